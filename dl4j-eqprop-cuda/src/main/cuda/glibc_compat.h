// glibc_compat.h: binds the dynamic-loader functions to their oldest versions, so that the JNI library built on a
// new glibc also loads on older ones. Since glibc 2.34 dlopen, dlsym, dlerror and dlclose live in libc.so.6 with
// the version GLIBC_2.34, and a library linked there asks for that version; libc.so.6 still exports them as
// GLIBC_2.2.5 (x86-64's first version, once in libdl.so.2), which every glibc has. The library then needs glibc
// 2.14 (memcpy) and libstdc++ of GCC 5.1 or newer (GLIBCXX_3.4.21). The build passes this header to
// every translation unit of the JNI library (-include); the references below keep the directives' symbols in
// every object file.
#ifndef EQP_GLIBC_COMPAT_H
#define EQP_GLIBC_COMPAT_H
#include <dlfcn.h>
#include <math.h>
#if defined(__x86_64__) && defined(__GLIBC__)
#ifdef __cplusplus
extern "C" {
#endif
__attribute__((used)) static void* (*const eqp_glibc_dlopen)(const char*, int) = dlopen;
__attribute__((used)) static void* (*const eqp_glibc_dlsym)(void*, const char*) = dlsym;
__attribute__((used)) static char* (*const eqp_glibc_dlerror)(void) = dlerror;
__attribute__((used)) static int (*const eqp_glibc_dlclose)(void*) = dlclose;
__attribute__((used)) static float (*const eqp_glibc_expf)(float) = expf;
#ifdef __cplusplus
}
#endif
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
__asm__(".symver dlclose,dlclose@GLIBC_2.2.5");
// glibc 2.27 brought a new expf (GLIBC_2.27); the first one is the same function, a little slower
__asm__(".symver expf,expf@GLIBC_2.2.5");
#endif
#endif
