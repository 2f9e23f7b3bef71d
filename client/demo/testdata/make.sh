#!/bin/sh
# Makes the demo clips of this folder: a sun setting over the sea, with
# drifting clouds, a shimmering reflection and a soft two-note hum. Each
# picture is drawn at half size and scaled up, which keeps it soft and the
# drawing quick. Run it in this folder with ffmpeg 5.1 (Debian 12).
set -eu

# sky_sea prints a geq expression for one colour channel. Its arguments are
# that channel's value of the colours: the sky at the top, the sky at the
# horizon, the glow around the sun, the sun, the clouds, the sea near the
# horizon, the sea at the bottom and the sun's reflection. Sizes are
# fractions of the frame's shorter side, so every shape draws the same way.
sky_sea() {
  echo "st(1,Y/H);st(2,min(W,H));\
st(3,W*0.5+ld(2)*0.06*sin(T*0.35));\
st(4,H*0.62-ld(2)*(0.21-0.02*T));\
st(5,hypot(X-ld(3),Y-ld(4)));\
st(6,clip((ld(2)*0.11-ld(5))/(ld(2)*0.012)+0.5,0,1));\
if(lt(ld(1),0.62),\
st(7,pow(ld(1)/0.62,1.6));\
st(8,$1*(1-ld(7))+$2*ld(7)+$3*exp(-ld(5)/(ld(2)*0.22)));\
st(9,clip(1-pow((X-mod(W*0.1+T*ld(2)*0.05,W*1.6)+W*0.3)/(ld(2)*0.26),2)-pow((Y-H*0.2)/(ld(2)*0.04),2),0,1)\
+clip(1-pow((X-mod(W*1.1+T*ld(2)*0.03,W*1.6)+W*0.3)/(ld(2)*0.2),2)-pow((Y-H*0.33)/(ld(2)*0.03),2),0,1));\
st(9,0.6*min(ld(9),1));\
st(8,ld(8)*(1-ld(9))+$5*ld(9));\
clip(ld(8)*(1-ld(6))+$4*ld(6),0,255),\
st(7,(ld(1)-0.62)/0.38);\
clip($6*(1-ld(7))+$7*ld(7)\
+$8*exp(-abs(X-ld(3))/(ld(2)*(0.05+0.12*ld(7))))\
*pow(0.5+0.5*sin(Y/ld(2)*240-T*2.4+2*sin(X/ld(2)*14.4+T)),3)*(1-0.7*ld(7)),0,255))"
}

R=$(sky_sea 38 255 90 255 255 96 18 230)
G=$(sky_sea 28 136 60 236 158 52 22 150)
B=$(sky_sea 84 74 20 170 146 92 52 70)

ENC="-c:v libx264 -preset veryslow -crf 30 -pix_fmt yuv420p -g 48
  -c:a aac -b:a 32k -ac 1 -movflags +faststart -map_metadata -1
  -fflags +bitexact -flags:v +bitexact -flags:a +bitexact"

# clips NAME DRAWN_SIZE SIZE makes NAME-4s.mp4 and NAME-8s.mp4, the first
# four seconds and the whole of one eight-second scene.
clips() {
  # shellcheck disable=SC2086 # ENC is a list of words
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "color=c=black:size=$2:rate=24:duration=8,format=gbrp,geq=r='$R':g='$G':b='$B',scale=$3:flags=lanczos" \
    -f lavfi -i "sine=frequency=220:sample_rate=44100:duration=8" \
    -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=8" \
    -filter_complex "[0:v]split[v8][v];[v]trim=duration=4[v4];\
[1:a][2:a]amix=inputs=2,volume=0.35,afade=t=in:duration=0.8,asplit[a][b];\
[a]afade=t=out:start_time=7:duration=1[a8];\
[b]atrim=duration=4,afade=t=out:start_time=3:duration=1[a4]" \
    -map "[v4]" -map "[a4]" $ENC "$1-4s.mp4" \
    -map "[v8]" -map "[a8]" $ENC "$1-8s.mp4"
}

clips sunset-16x9-854x480 427x240 854x480
clips sunset-9x16-480x854 240x427 480x854
clips sunset-1x1-480x480 240x240 480x480

# The posters: for each shape, the frame at 2 s of its eight-second clip,
# which the simulator serves as the cover of that shape's videos.
for s in 16x9-854x480 9x16-480x854 1x1-480x480; do
  ffmpeg -hide_banner -loglevel error -y -ss 2 -i "sunset-$s-8s.mp4" -frames:v 1 -q:v 5 \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact "poster-$s.jpg"
done
