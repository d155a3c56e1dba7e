/* av-format.h - one FFmpeg pixel-format fact shared by image/ and video/.
 * FFmpeg's "J" formats (yuvj420p...) are plain YUV with full range; swscale
 * wants the plain format plus the range flag, or it warns and guesses. */
#pragma once

#include <libavutil/pixfmt.h>

/* The plain equivalent of fmt; *full_range is 1 when fmt was a J format. */
enum AVPixelFormat trawl_av_plain_format (enum AVPixelFormat fmt, int *full_range);
