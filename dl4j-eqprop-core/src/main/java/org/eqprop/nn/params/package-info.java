/**
 * DL4J parameter initializers of the EqProp layers: how each layer's parameters are sliced (row-major) from DL4J's
 * flat parameter and gradient arrays, and their initial values.
 * <ul>
 *   <li>{@link org.eqprop.nn.params.EqPropBlockParamInitializer}: W1 [nIn, n_1], b1 [1, n_1], W2 [n_1, n_2], b2, ...;
 *       convolutional W_k [out, in, kH, kW] and b_k [1, out]; feedback B_k [n_k, n_{k−1}] (k ≥ 2) of a vector-field
 *       block, started at the configured angle from W_kᵀ;</li>
 *   <li>{@link org.eqprop.nn.params.ResistiveParamInitializer}: conductance crossbars G_m [2 n_m + 2, n_{m+1}] (rows:
 *       sending voltages c v, −c v, V_b, −V_b), started uniform in [0, initScale/√rows);</li>
 *   <li>{@link org.eqprop.nn.params.DirectedGraphParamInitializer}: W [N, N] (W_ij from i to j, no self-loops) uniform
 *       in [−initScale, initScale), then b [1, N] at zero.</li>
 * </ul>
 */
package org.eqprop.nn.params;
