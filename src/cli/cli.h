/* cli.h - the trawl command-line front end: one file per command, each a
 * thin layer over libtrawl's public headers. A command returns the process
 * exit status: 0 ok, 1 failure, 2 usage error or not built yet.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

typedef int (*TrawlCommandFunc) (int argc, char **argv);

int trawl_cmd_index (int argc, char **argv);
int trawl_cmd_search (int argc, char **argv);
int trawl_cmd_tracks (int argc, char **argv);
int trawl_cmd_show (int argc, char **argv);
int trawl_cmd_play (int argc, char **argv);
int trawl_cmd_export (int argc, char **argv);
int trawl_cmd_verify (int argc, char **argv);
int trawl_cmd_report (int argc, char **argv);
int trawl_cmd_eval (int argc, char **argv);
int trawl_cmd_demo (int argc, char **argv);
int trawl_cmd_info (int argc, char **argv);
int trawl_cmd_audit (int argc, char **argv);
int trawl_cmd_check (int argc, char **argv);
int trawl_cmd_camera (int argc, char **argv);
int trawl_cmd_gui (int argc, char **argv);
int trawl_cmd_models (int argc, char **argv);
int trawl_cmd_nn (int argc, char **argv);

/* Parses argv with ctx (argv[0] is the command name). Prints the error and
 * a pointer to --help on failure. Returns FALSE when the command should
 * exit with status 2. */
gboolean trawl_cli_parse (GOptionContext *ctx, int *argc, char ***argv);
/* For commands whose capability is not built yet: says so, returns 2. */
int      trawl_cli_not_built (const char *command, const char *what);
/* A file name as output can carry it (JSON and terminals want UTF-8):
 * g_filename_display_name, so a name with bytes that are not UTF-8 shows
 * them as U+FFFD instead of breaking the JSON. NULL for NULL. g_free. */
char    *trawl_cli_display_name (const char *path);
/* A string as a JSON string literal, quotes included (g_free). */
char    *trawl_cli_json_quote (const char *text);
/* Prints "trawl: <message>" to stderr and clears the error; returns 1. */
int      trawl_cli_fail (GError **error);
/* For a command not built yet: --help shows params/summary/entries, bad
 * options exit 2, anything else says "not built yet" and exits 2. */
int      trawl_cli_stub (int argc, char **argv, const char *params, const char *summary,
                         const GOptionEntry *entries);
/* Appends text to row as a column of width characters (cut with "…" when
 * longer, padded left when right, else right), then one space. */
void     trawl_cli_add_col (GString *row, const char *text, int width, gboolean right);
/* Prints row without trailing blanks and a newline; frees row. */
void     trawl_cli_print_row (GString *row);
/* Prints text word-wrapped at width characters, continuation lines
 * starting with indent. */
void     trawl_cli_print_wrapped (const char *text, int width, const char *indent);
