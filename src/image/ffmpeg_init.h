/* One-time FFmpeg set-up: log forwarding, device registration (layer: image). */
#ifndef VP_IMAGE_FFMPEG_INIT_H
#define VP_IMAGE_FFMPEG_INIT_H
void vp__ffmpeg_init(void);
#endif
