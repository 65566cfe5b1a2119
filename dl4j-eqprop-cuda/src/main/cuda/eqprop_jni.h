// eqprop_jni.h: what JavaCPP's generated JNI code includes: the API and both of its implementations (the host
// build of the kernels, the driver-API GPU path and the resident sessions), compiled into the one JNI library.
#include "glibc_compat.h"
#include "eqprop_native.h"
#include "eqprop_host.cpp"
#include "eqprop_device.cpp"
#include "eqprop_driver.cpp"
#include "eqprop_vendor.cpp"
#include "eqprop_session.cpp"
