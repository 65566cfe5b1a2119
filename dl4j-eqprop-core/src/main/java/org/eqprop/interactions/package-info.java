/**
 * The terms Φ_k(s_{k−1}, s_k; θ_k) of a sum-separable primitive function Φ = Σ_k Φ_k: each supplies its share of the
 * relaxation drives ∂Φ/∂s, of the EqProp contrast ∂Φ/∂θ(a) − ∂Φ/∂θ(b), and the vector-Jacobian products that
 * backpropagation through the relaxation needs. States are [batch, features] rows or NCHW feature maps.
 * <pre>
 *   dense (thesis eq. 5.12):  Φ_fc = s_kᵀ W_k s_{k−1} + b_kᵀ s_k,
 *                             ∂Φ/∂s_k = s_{k−1} W + b,  ∂Φ/∂s_{k−1} = s_k Wᵀ,  ∂Φ/∂W = s_{k−1}ᵀ s_k,  ∂Φ/∂b = Σ s_k
 *   conv + pool (eq. 5.13):   Φ_conv = h_k • (P(w_k ⋆ h_{k−1}) + b_k),
 *                             ∂Φ/∂h_k = P(w_k ⋆ h_{k−1}) + b_k,  ∂Φ/∂h_{k−1} = w_k ⋆ᵀ P⁻¹(h_k),
 *                             ∂Φ/∂w_k = h_{k−1} ⋆ P⁻¹(h_k)
 *   vector field:             u_k += s_{k−1} W_k + b_k,  u_{k−1} += s_k B_k   (no Φ unless B_k = W_kᵀ)
 * </pre>
 * <ul>
 *   <li>{@link org.eqprop.interactions.Interaction}: the contract (drives, contrast gradient, VJPs, Φ_k,
 *       parameters);</li>
 *   <li>{@link org.eqprop.interactions.DenseInteraction}: the fully connected term, DL4J's layout W [nIn, nOut];</li>
 *   <li>{@link org.eqprop.interactions.ConvPoolInteraction}: convolution with max, average or no pooling (Ernoult et
 *       al. 2019; Laborieux et al. 2021), by oneDNN (float32 or bf16 operands; its direct or, for wide 3×3
 *       stride-1 layers, its Winograd F(4×4, 3×3) algorithm), by im2col or, for float32 3×3 stride 1, this
 *       project's Winograd F(2×2, 3×3);</li>
 *   <li>{@link org.eqprop.interactions.VectorFieldInteraction}: separate forward and feedback weights (Scellier et al.
 *       2018; Ernoult et al. 2020, C-VF) with the vector-field learning rule;</li>
 *   <li>{@code ConvGeometry}, {@code WinogradConvolution}, {@code OnednnConvolution}, {@code ScratchArrays}:
 *       package-private convolution index arithmetic, Winograd filtering (Lavin &amp; Gray 2016), oneDNN's
 *       primitives with their choice of algorithm and precision, and per-thread work arrays.</li>
 * </ul>
 */
package org.eqprop.interactions;
