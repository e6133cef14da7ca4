/* Model store internals (layer: model): the pinned manifest, SHA-256 helpers
 * and the parser of Emscripten's *_packed_assets_loader.js. Private; tests
 * include it to check the manifest and the parser on hostile input. */
#ifndef VP_MODEL_STORE_H
#define VP_MODEL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vpipe/model.h"

/* One pinned npm package. */
typedef struct vp__store_package {
  const char *name;           /* "@mediapipe/face_mesh" */
  const char *version;        /* "0.4.1657299874" */
  const char *tarball_sha256; /* of the .tgz `npm pack` writes */
} vp__store_package;

/* One model and where it sits in its package. */
typedef struct vp__store_model {
  const char *name;         /* file NAME.tflite in the models folder */
  int package;              /* index into vp__store_packages */
  const char *file;         /* path inside the tarball ("package/...") */
  const char *packed_entry; /* NULL: `file` is the model; else the entry of the
                               packed assets whose range the loader .js lists */
  int64_t size;
  const char *sha256;
} vp__store_model;

extern const vp__store_package vp__store_packages[];
extern const int vp__store_package_count;
extern const vp__store_model vp__store_models[];
extern const int vp__store_model_count;

/* The model named @p name, or NULL. */
const vp__store_model *vp__store_find(const char *name);

/* SHA-256 as 64 lowercase hex digits + NUL. */
typedef struct vp__sha256_hex {
  char hex[65];
} vp__sha256_hex;

/* SHA-256 of @p len bytes of @p f from offset @p start (the whole rest of the
 * file when @p len < 0). If @p copy is not NULL the bytes are also written to
 * it. Fails with VP_EIO (read/write error, or the file ended early). */
vp_status vp__sha256_file_range(FILE *f, int64_t start, int64_t len, FILE *copy,
                                vp__sha256_hex *out, const char *what);

/* SHA-256 of a memory buffer. */
vp_status vp__sha256_buffer(const void *data, size_t len, vp__sha256_hex *out);

/* Emscripten's file packager writes a loader script ending in
 *   loadPackage({"files": [{"filename": "/a/b.tflite", "start": 0, "end": 9}, ...],
 *                "remote_package_size": N, ...});
 * Find the byte range [*start, *end) of @p entry in it. The script is
 * untrusted: every number is range-checked (0 <= start <= end <= remote size
 * when given), a duplicated entry is an error, nesting and lengths are bounded.
 * @return VP_OK, VP_ENOENT (entry not listed) or VP_EFORMAT, with a message
 *         that says where the script is wrong. */
vp_status vp__packed_loader_find(const char *js, size_t len, const char *entry, int64_t *start,
                                 int64_t *end);

/* Forget every remembered successful verification (tests). */
void vp__store_cache_clear(void);

#endif
