/**
 * Float-array kernels shared by the engines, the forces, the interactions and the data code, depending on no other
 * package of the project: the SIMD products of the fused CPU engine ({@link org.eqprop.kernels.FusedKernels}, with the
 * Vector API when {@code jdk.incubator.vector} is loaded and plain loops otherwise), the clamped state update, the
 * feature-major layout of batch slices, the large products of an iteration (oneDNN's matmul,
 * {@link org.eqprop.kernels.OnednnMatmul}, float32 or bf16 operands; BLAS split over the engine's core pool,
 * {@link org.eqprop.kernels.ParallelGemm} and {@link org.eqprop.kernels.CorePool}, where oneDNN does not load), the
 * oneDNN library as the project uses it ({@link org.eqprop.kernels.Onednn}: engine, streams, threads, memories), and
 * bulk copies between ND4J arrays and float arrays.
 * <pre>
 *   product:    u_r ← init_r + Σ_j M[r, j] · s_j      (rows r, batch slice in the SIMD lanes)
 *   clampStep:  u ← clip((1 − ε) s + ε·a·u, 0, 1) + λu, returning max |u − s|  (ε = 1: the fixed-point step)
 *   matmul:     C ← op(A)·op(B) (+ b in every row)   (op: as stored or transposed, read in place)
 * </pre>
 */
package org.eqprop.kernels;
