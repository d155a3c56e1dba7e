/* video-private.h - what the files of src/video share and nothing else
 * sees: the display rotation of a stream (video-reader.c), which the
 * annotated copy (video-annotate.c) applies as the reader does. */
#pragma once

#include <libavformat/avformat.h>

/* Degrees clockwise (0, 90, 180, 270) that show st upright: its display
 * matrix, else an old "rotate" tag. */
int _trawl_video_stream_rotation (AVStream *st);
