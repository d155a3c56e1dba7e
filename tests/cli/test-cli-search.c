/* test-cli-search.c - `trawl search`, `show`, `play` and `index` as a user
 * meets them at the edges: exit statuses (0 ran, 1 failed, 2 usage, 3 an
 * index run with failed inputs), messages that say what to change, and
 * non-ASCII arguments under any locale. Needs no models: the cases here
 * are empty ones made by `trawl index` itself. */
#include <gio/gio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "../common/trawl-test-cli.h"
#include "../common/trawl-test.h"

static char *tmp;
static char *case_dir;

/* An empty case: an index run whose only input is missing (status 3). */
static void
test_index_partial_status (void)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *missing = g_build_filename (tmp, "no-such-clip.mp4", NULL);
  const char *args[] = { "index", case_dir, missing, NULL };

  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 3);
  g_assert_nonnull (strstr (out, missing));
  g_assert_nonnull (strstr (err, "1 of 1 input could not be indexed"));
}

static void
expect (const char *const *args, const char *const *env, int status, const char *in_err)
{
  g_autofree char *out = NULL, *err = NULL;
  int got = trawl_test_run_cli_env (args, env, &out, &err);

  if (got != status || (in_err != NULL && strstr (err, in_err) == NULL))
    g_error ("trawl %s %s %s: status %d (want %d), stderr: %s", args[0], args[1] ? args[1] : "",
             args[1] && args[2] ? args[2] : "", got, status, err);
}

static void
test_search_usage (void)
{
  const char *const none[] = { "search", NULL };
  const char *const two_fmt[] = { "search", case_dir, "--plate", "AB1", "--json", "--csv", NULL };
  const char *const bad_plate[] = { "search", case_dir, "--plate", "AB#1", NULL };
  const char *const only_wild[] = { "search", case_dir, "--plate", "*?*", NULL };
  const char *const bad_box[] = { "search", case_dir, "--face", "x.jpg", "--box", "1,2,3", NULL };
  const char *const bad_time[] = { "search", case_dir, "--plate", "AB1", "--from", "yesterday",
                                   NULL };
  const char *const reversed[] = { "search", case_dir, "--plate", "AB1", "--from",
                                   "2024-03-14T21:00Z", "--to", "2024-03-14T20:00Z", NULL };
  const char *const nothing[] = { "search", case_dir, NULL };
  const char *const two_kinds[] = { "search", case_dir, "--plate", "AB1", "--track", "3", NULL };
  const char *const score[] = { "search", case_dir, "--plate", "AB1", "--min-score", "2", NULL };

  expect (none, NULL, 2, "give one case folder");
  expect (two_fmt, NULL, 2, "--json or --csv");
  expect (bad_plate, NULL, 2, "--plate");
  expect (only_wild, NULL, 2, "wildcards only");
  expect (bad_box, NULL, 2, "X,Y,W,H");
  expect (bad_time, NULL, 2, "2024-03-14T21:05:00+08:00");
  expect (reversed, NULL, 2, "--from is after --to");
  expect (nothing, NULL, 2, "nothing to search for");
  expect (two_kinds, NULL, 2, "one kind of query");
  expect (score, NULL, 2, "--min-score");
}

static void
test_search_case_errors (void)
{
  const char *const not_case[] = { "search", tmp, "--plate", "AB1", NULL };
  const char *const camera[] = { "search", case_dir, "--plate", "AB1", "--camera", "roof", NULL };
  const char *const track[] = { "search", case_dir, "--track", "42", NULL };
  const char *const show[] = { "show", case_dir, "42", NULL };
  const char *const show_bad[] = { "show", case_dir, "forty-two", NULL };
  const char *const play[] = { "play", case_dir, "7", "--print", NULL };

  expect (not_case, NULL, 1, "not");
  expect (camera, NULL, 2, "no camera named 'roof'");
  expect (track, NULL, 1, "no track 42");
  expect (show, NULL, 1, "no track 42");
  expect (show_bad, NULL, 2, "track id");
  expect (play, NULL, 1, "no track 7");
}

/* 粤B* under the C locale and under C.UTF-8: taken, searched, nothing found. */
static void
test_search_non_ascii (void)
{
  const char *const args[] = { "search", case_dir, "--plate", "粤B*", "--json", NULL };
  const char *const c_locale[] = { "LC_ALL=C", NULL };
  const char *const utf8[] = { "LC_ALL=C.UTF-8", NULL };

  for (int i = 0; i < 2; i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status = trawl_test_run_cli_env (args, i ? utf8 : c_locale, &out, &err);
      if (status != 0)
        g_error ("search --plate 粤B* (%s): status %d: %s", i ? "C.UTF-8" : "C", status, err);
      g_assert_nonnull (strstr (out, "\"searched_text\" : \"粤B*\""));
      g_assert_nonnull (strstr (out, "\"hits\" : [\n  ]") ? out : strstr (out, "\"hits\" : []"));
      g_assert_nonnull (strstr (err, "no track above the match threshold"));
    }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmp = g_dir_make_tmp ("trawl-cli-search-XXXXXX", NULL);
  case_dir = g_build_filename (tmp, "case", NULL);
  g_test_add_func ("/cli-search/index-partial-status", test_index_partial_status);
  g_test_add_func ("/cli-search/usage", test_search_usage);
  g_test_add_func ("/cli-search/case-errors", test_search_case_errors);
  g_test_add_func ("/cli-search/non-ascii", test_search_non_ascii);
  rc = g_test_run ();
  trawl_test_remove_tree (tmp);
  g_free (case_dir);
  g_free (tmp);
  return rc;
}
