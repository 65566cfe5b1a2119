/**
 * The state layers of an EqProp network: their activation σ, which the relaxation applies as s = σ(∂Φ/∂s), and
 * shape helpers for vector states [batch, units] and feature maps [batch, channels, height, width].
 * <pre>
 *   hard-sigmoid (Ernoult et al. 2019):           σ(u) = clip(u, 0, 1)
 *   half-hard-sigmoid (Laborieux et al. 2021):    σ(u) = clip(u/2, 0, 1)
 *   sigmoid:                                      σ(u) = 1 / (1 + e^{−4(u − 1/2)})
 *   logistic:                                     σ(u) = 1 / (1 + e^{−u})
 *   tanh:                                         σ(u) = tanh u
 *   optional leak λ:                              σ(u) + λu
 * </pre>
 * Every σ is monotone, so s = σ(∂Φ/∂s) is a stationary point of the energy E(s) = Σ∫σ⁻¹ − Φ(s); the last three are
 * holomorphic and extend to complex drives for holomorphic EqProp (Laborieux &amp; Zenke 2022).
 * <ul>
 *   <li>{@link org.eqprop.layers.StateActivation}: the activations above: σ on ND4J arrays, float arrays and complex
 *       values, and σ';</li>
 *   <li>{@link org.eqprop.layers.States}: shape helpers for state layers.</li>
 * </ul>
 */
package org.eqprop.layers;
