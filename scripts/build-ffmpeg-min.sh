#!/usr/bin/env bash
# Builds a minimal FFmpeg (shared libavformat/avcodec/avutil/swscale, the
# same version and sonames as Debian's) for the GPU run kit
# (scripts/gpu-kit): Debian's FFmpeg needs some 130 codec libraries beside
# it (about 200 MB), this one only libz and, at run time, the NVIDIA
# driver's libcuda/libnvcuvid, which it loads itself. Built from Debian's
# own source package, with only what trawl uses: H.264/HEVC/MPEG-4/MJPEG
# decoding with NVDEC, the common containers, and the JPEG/PNG codecs of
# its thumbnails and photos; and the ffmpeg CLI with only the filters it
# needs itself, so that the kit can loop and cut its benchmark clip by
# stream copy and time NVDEC through the CLI on a machine with no ffmpeg.
# Cached: a second run that finds it does nothing.
#
# usage: build-ffmpeg-min.sh PREFIX   -> PREFIX/lib/libav*.so.*, PREFIX/lib/pkgconfig,
#                                        PREFIX/bin/ffmpeg
set -euo pipefail
prefix=${1:?usage: build-ffmpeg-min.sh PREFIX}
# --disable-autodetect: nothing is pulled in by being installed here
# (X11, VA-API, libdrm...); every external piece is named below.
# wrapped_avframe: the encoder of `ffmpeg ... -f null -` (decode-only runs).
flags=(--enable-shared --disable-static --enable-pic
  --disable-autodetect --disable-ffplay --disable-ffprobe --disable-doc --disable-debug
  --disable-avdevice --disable-postproc
  --disable-network --disable-everything
  --enable-zlib --enable-ffnvcodec --enable-cuda --enable-cuvid --enable-nvdec
  --enable-decoder=h264,hevc,mpeg4,mjpeg,png,bmp,gif,h264_cuvid,hevc_cuvid,mjpeg_cuvid,mpeg4_cuvid
  --enable-hwaccel=h264_nvdec,hevc_nvdec,mjpeg_nvdec,mpeg4_nvdec
  --enable-encoder=mjpeg,png,mpeg4,wrapped_avframe
  --enable-parser=h264,hevc,mpeg4video,mjpeg,png,bmp,gif
  --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb,extract_extradata
  --enable-demuxer=mov,matroska,avi,mpegts,h264,hevc,m4v,gif,image2,image_jpeg_pipe,image_png_pipe,image_bmp_pipe,image_gif_pipe
  --enable-muxer=mp4,mov,matroska,mpegts,image2,null
  --enable-protocol=file,pipe)
# cached when built with these same flags
if [ -f "$prefix/lib/pkgconfig/libavcodec.pc" ] &&
   [ "$(cat "$prefix/configure-flags" 2>/dev/null)" = "${flags[*]}" ]; then
  echo "minimal FFmpeg: cached in $prefix"
  exit 0
fi

ver=$(dpkg-query -W -f '${source:Upstream-Version}' libavcodec-dev 2>/dev/null || true)
[ -n "$ver" ] || { echo "error: libavcodec-dev is not installed" >&2; exit 1; }
# the NVDEC/cuvid headers (nv-codec-headers) and the x86 assembler
for p in libffmpeg-nvenc-dev nasm; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
    { echo "error: $p is not installed (apt-get install $p)" >&2; exit 1; }
done

# deb-src from the mirrors the machine already uses, as build-faiss-c.sh does
if ! apt-get source --print-uris ffmpeg >/dev/null 2>&1; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      > /etc/apt/sources.list.d/trawl-deb-src.sources
  fi
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -qq --download-only ffmpeg >/dev/null 2>&1 &&
   dpkg-source -x --no-check ffmpeg_*.dsc src >/dev/null)
echo "minimal FFmpeg: configuring $ver"
cd "$work/src"
./configure --prefix="$prefix" "${flags[@]}" >"$work/configure.log" ||
  { tail -30 "$work/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
rm -rf "$prefix.tmp"
make install DESTDIR="$prefix.tmp" >/dev/null
# DESTDIR keeps the full prefix below it: move that into place
mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix"
mv "$prefix.tmp$prefix" "$prefix"
rm -rf "$prefix.tmp"
echo "${flags[*]}" >"$prefix/configure-flags"
echo "minimal FFmpeg: built in $prefix ($(du -sh "$prefix/lib" | cut -f1) of libraries)"
