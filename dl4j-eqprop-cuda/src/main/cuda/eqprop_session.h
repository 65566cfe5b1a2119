// eqprop_session.h: a block's EqProp iteration resident on the GPU. A session holds, in device buffers allocated
// once when it is created, the parameters, the input and its drive, the states of the free phase and of two nudged
// phases, the work states of a phase, the pooling switches, the nudging force's data and the gradient. Per
// iteration only the minibatch goes up (x, and the labels or ε of the force), the updated parameters go up once,
// and the free output s_N, the gradient and a few statistics come down.
//
// Two ways to relax, chosen when the session is created:
//   persistent: chains of dense layers whose tile of states fits a block's shared memory run each phase as one
//               launch of eqp_dense_relax (dense_relax.cu);
//   layered:    any chain of dense and pooled convolutional layers runs each step as launches per layer: the
//               implicit GEMMs (igemm_conv.cu; a dense product is a 1×1 "convolution"), the fused elementwise step
//               (conv_step.cu), inverse pooling, the softmax readout force, then eqp_step_control, which decides on
//               the device whether the phase has converged: all T steps are enqueued at once and every kernel of a
//               step after convergence returns at once.
// Both compute exactly what the CPU engines compute (synchronous or alternating order, fixed-point or Euler rule,
// squared-error, softmax-readout or held force), and the contrast ∂Φ/∂θ(a) − ∂Φ/∂θ(b) (thesis eq. 5.22).
//
// The functions return 0 (or a handle) on success and a negative code with last_error() on failure:
//   -1 a bad argument or an unsupported configuration (nothing ran), -2 a GPU error (the session is unusable; after
//   a sticky error the context has been reset and every session of the old context reports -2).
#ifndef EQP_SESSION_H
#define EQP_SESSION_H

namespace eqprop {

/** Layout of session_create's icfg (ints), per layer 8 more: */
enum EqpSessionConfig {
    EQP_CFG_LAYERS = 0,      // N (1..8)
    EQP_CFG_BATCH = 1,
    EQP_CFG_ACTIVATION = 2,  // EQP_HARD_SIGMOID, EQP_HALF_HARD_SIGMOID, EQP_SIGMOID
    EQP_CFG_DYNAMICS = 3,    // EQP_FIXED_POINT or EQP_EULER
    EQP_CFG_ALTERNATING = 4,
    EQP_CFG_PRECISION = 5,   // EQP_FP32, EQP_TF32, EQP_BF16
    EQP_CFG_IN_CHANNELS = 6, // the input: [channels, height, width] (a vector input: [n, 1, 1])
    EQP_CFG_IN_HEIGHT = 7,
    EQP_CFG_IN_WIDTH = 8,
    EQP_CFG_MODE = 9,        // 0 automatic, 1 persistent (fails when it cannot), 2 layered
    EQP_CFG_HEADER = 10,
    // per layer k at EQP_CFG_HEADER + 8k: kind (0 dense, 1 conv), channels (units of a dense layer), kernel,
    // stride, padding, pool window (1: none), pooling (EQP_POOL_MAX, _AVG, _NONE), reserved
    EQP_CFG_PER_LAYER = 8
};

/** Phase statistics written by the phase functions (ints): */
enum EqpPhaseStat {
    EQP_STAT_STEPS = 0,
    EQP_STAT_RESIDUAL_BITS = 1,  // the last step's max |Δs| as float bits (+inf bits when not finite)
    EQP_STAT_CONVERGED = 2,      // 1 when a tolerance was set and reached
    EQP_STAT_NONFINITE = 3,
    EQP_STAT_COUNT = 4
};

/** fcfg: leak, Euler step ε. Returns a handle > 0, or -1. */
long long session_create(const int* icfg, const float* fcfg);
class Device;
/** The same on another device than the process's (the GPU check runs the GPU and the CPU stand-in side by side). */
long long session_create_on(Device& device, const int* icfg, const float* fcfg);
int session_destroy(long long session);
/** 0 persistent, 1 layered. */
int session_mode(long long session);
/** What relaxes and what computes the products ("layered; convolutions: cuDNN 9.19.0 (...); dense products: ..."),
 * written into out (at most capacity bytes); returns its length. */
int session_describe(long long session, char* out, int capacity);
/** Bit 1: the convolutions run on cuDNN; bit 2: the dense products on cuBLAS. */
int session_libraries(long long session);
/** Floats of the flat parameter (and gradient) array: W_1, b_1, W_2, b_2, ... as EqPropBlockParamInitializer. */
long long session_param_count(long long session);
/** Units of state layer k per example (C·H·W of a map). */
int session_width(long long session, int layer);

/**
 * Uploads x [batch, C·H·W] and the parameters, computes the input drive, relaxes the free phase (slot 0) from zero
 * states for at most maxSteps steps, and downloads its output s_N into output [batch, n_N]; stats: EqpPhaseStat.
 */
int session_free_phase(long long session, const float* x, const float* params, int maxSteps, float tolerance,
                       float* output, int* stats);
/**
 * The nudging force of the next nudged phases: kind EQP_FORCE_SQUARED (labels y [batch, n_N], scale c),
 * EQP_FORCE_SOFTMAX (labels [batch, classes], readout W_out [n_N, classes], b_out [classes]) or EQP_FORCE_HELD
 * (labels = ε [batch, n_N], the force −βε). Uploads only what changed (labels are compared by address).
 */
int session_set_force(long long session, int kind, const float* labels, int classes, const float* readoutW,
                      const float* readoutB, float scale);
/** A nudged phase with β from the free states into slot 1 or 2. */
int session_nudged_phase(long long session, int slot, float beta, int maxSteps, float tolerance, int* stats);
/** grad [param count] := scale · (∂Φ/∂θ(slot a) − ∂Φ/∂θ(slot b)); slots 0 (free), 1, 2. */
int session_gradient(long long session, int slotA, int slotB, float scale, float* grad);
/** Downloads every state layer of a slot, layer after layer ([batch, width_k] each, NCHW maps). */
int session_read_states(long long session, int slot, float* out);
/** h2d bytes, d2h bytes, allocations, frees, launches, live device bytes of this session so far. */
int session_counters(long long session, long long* out);

/**
 * One whole training iteration in one call (what a standalone program drives): the free phase, the nudged phase
 * with +β and, when symmetric, with −β, and grad := −(∂Φ/∂θ(s^{+β}) − ∂Φ/∂θ(s^{−β}))/(2β) (symmetric) or
 * −(∂Φ/∂θ(s^{β}) − ∂Φ/∂θ(s^0))/β; the force as session_set_force. stats: 3 × EqpPhaseStat.
 */
int session_iteration(long long session, const float* x, const float* params, int forceKind, const float* labels,
                      int classes, const float* readoutW, const float* readoutB, float forceScale, float beta,
                      int symmetric, int freeSteps, int nudgedSteps, float tolerance, float* output, float* grad,
                      int* stats);

}  // namespace eqprop

#endif
