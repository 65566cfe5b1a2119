/**
 * The fast CPU engine of the relaxation: float32 chains of dense interactions, with every step of a phase fused into
 * plain Java loops (no per-operation dispatch, no per-step allocation). It computes the same relaxation as
 * {@link org.eqprop.dynamics.ReferenceRelaxation}; for layer k of a dense chain the drive of one step is
 * <pre>
 *   u_1 = W_1ᵀ x + b_1 + W_2 s_2,   u_k = W_kᵀ s_{k−1} + b_k + W_{k+1} s_{k+1},   u_N += −β ∂C/∂s_N
 *   s_{t+1} = rule(s_t, u)     (the chain's Dynamics on float arrays, e.g. σ(u) = clip(a u, 0, 1))
 * </pre>
 * (W_k [n_{k−1}, n_k], DL4J's layout; W_1ᵀ x + b_1 computed once per batch), on batch slices stored feature-major
 * (unit j of example b at j·stride + b, the stride padded to the SIMD width), so
 * that W s and Wᵀ s are sums of scaled batch vectors.
 * <ul>
 *   <li>{@link org.eqprop.dynamics.fused.FusedDenseRelaxation}: the engine; one slice per core, each running its
 *       whole phase without synchronisation between steps, like a persistent GPU kernel;</li>
 *   <li>{@link org.eqprop.kernels.FusedKernels}: the loops (products, clipped step, layout conversions);</li>
 *   <li>{@link org.eqprop.kernels.CorePool}: one worker per core for split computations;</li>
 *   <li>{@link org.eqprop.kernels.ParallelGemm}: large products split by rows over the cores, one BLAS call
 *       per part;</li>
 *   <li>{@code SimdKernel}: the two hot loops, as {@code ScalarKernel} (plain Java) or {@code VectorKernel} (JDK
 *       Vector API, when {@code jdk.incubator.vector} is present).</li>
 * </ul>
 */
package org.eqprop.dynamics.fused;
