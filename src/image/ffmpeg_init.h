/* One-time FFmpeg set-up: log forwarding, device registration (layer: image). */
#ifndef VP_IMAGE_FFMPEG_INIT_H
#define VP_IMAGE_FFMPEG_INIT_H
void vp__ffmpeg_init(void);

/* Called (from any thread) for every FFmpeg message of level AV_LOG_ERROR or
 * worse that names its context, with the formatted message. One hook per
 * process (the io layer's); NULL removes it. */
typedef void (*vp__ffmpeg_error_hook)(void *avcl, const char *message);
void vp__ffmpeg_set_error_hook(vp__ffmpeg_error_hook hook);
#endif
