// eqprop_host.cpp: the host build of every kernel (g++ with cuda_host_compat.h) behind the eqprop_native.h API.
#include "eqprop_native.h"
#include "eqprop_params.h"

#include <string>

namespace eqprop {

static thread_local std::string lastError;

const char* last_error() {
    return lastError.c_str();
}

int fail(const std::string& message) {
    lastError = message;
    return -1;
}

int host_dense_relax(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                     const float* inputDrive, const float* start, const float* labels, const float* readoutW,
                     const float* readoutB, float* out, int* residualBits, int* steps) {
    const char* bad = dense_check(icfg);
    if (bad) return fail(bad);
    EqpDenseRelaxParams p = dense_params(icfg, fcfg, weights, biases, inputDrive, start, labels, readoutW, readoutB,
                                         out, residualBits, steps);
    int tiles = (p.batch + p.tile - 1) / p.tile;
    size_t smem = sizeof(float) * (size_t)eqp_dense_shared_floats(p.total, p.classes, p.tile, p.layers);
    eqp_host_launch(eqp_dense_relax, dim3(tiles), dim3(EQP_THREADS), smem, p);
    return 0;
}

int host_dense_contrast(const int* cfg, float scale, const float* aLower, const float* aUpper, const float* bLower,
                        const float* bUpper, float* grad) {
    if (const char* bad = precision_check(cfg[5])) return fail(bad);
    EqpDenseContrastParams p{aLower, aUpper, bLower, bUpper, cfg[3], cfg[4], cfg[0], cfg[1], cfg[2], scale, grad, cfg[5]};
    dim3 grid((p.n_out + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE, (p.n_in + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE);
    eqp_host_launch(eqp_dense_contrast, grid, dim3(EQP_THREADS), 0, p);
    return 0;
}

int host_channel_contrast(const int* cfg, float scale, const float* a, const float* b, float* grad) {
    EqpChannelContrastParams p{a, b, cfg[3], cfg[0], cfg[1], cfg[2], scale, grad};
    eqp_host_launch(eqp_channel_contrast, dim3(p.channels), dim3(EQP_THREADS), 0, p);
    return 0;
}

int host_igemm(const int* icfg, float alpha, int accumulate, const float* weights, const float* lower,
               const float* upper, float* out) {
    if (const char* bad = precision_check(icfg[12])) return fail(bad);
    EqpIgemmParams p = igemm_params(icfg, alpha, accumulate, weights, lower, upper, out);
    int m, n, k;
    eqp_igemm_dims(p, &m, &n, &k);
    dim3 grid((n + EQP_IGEMM_BN - 1) / EQP_IGEMM_BN, (m + EQP_IGEMM_BM - 1) / EQP_IGEMM_BM);
    eqp_host_launch(p.precision == EQP_FP32 ? eqp_igemm : (p.precision == EQP_TF32 ? eqp_igemm_tf32 : eqp_igemm_bf16), grid, dim3(EQP_THREADS), 0, p);
    return 0;
}

int host_conv_step(const int* icfg, const float* fcfg, const float* conv, const float* base, const float* bias,
                   const float* feedback, const float* extra, const float* state, float* next, float* driveOut,
                   int* winners, const float* labels, int* residualBits) {
    if ((conv == 0) == (base == 0)) return fail("conv_step needs exactly one of conv and base");
    EqpConvStepParams p = conv_step_params(icfg, fcfg, conv, base, bias, feedback, extra, state, next, driveOut,
                                           winners, labels, residualBits);
    eqp_host_launch(eqp_conv_step, dim3(elementwise_blocks(conv_cells(icfg))), dim3(EQP_THREADS), 0, p);
    return 0;
}

int host_unpool(const int* icfg, const float* pooled, const int* winners, float* out) {
    EqpUnpoolParams p{icfg[0], icfg[1], icfg[2], icfg[3], icfg[4], icfg[5], pooled, winners, out, 0};
    eqp_host_launch(eqp_unpool, dim3(elementwise_blocks(conv_cells(icfg))), dim3(EQP_THREADS), 0, p);
    return 0;
}

}  // namespace eqprop
