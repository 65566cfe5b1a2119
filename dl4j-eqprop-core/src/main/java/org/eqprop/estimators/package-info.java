/**
 * Gradient estimators: how the nudged phases are chosen and combined into ∇θL from ∂Φ/∂θ at equilibria.
 *
 * <ul>
 *   <li>one-sided (Scellier &amp; Bengio 2017): ∇θL ≈ −(∂Φ/∂θ(s^β) − ∂Φ/∂θ(s^0))/β, bias O(β);</li>
 *   <li>symmetric (Laborieux et al. 2021; thesis eq. 5.22): −(∂Φ/∂θ(s^{+β}) − ∂Φ/∂θ(s^{−β}))/2β, bias O(β²);</li>
 *   <li>random-sign: the one-sided estimator with β's sign drawn at random, unbiased on average at O(β);</li>
 *   <li>holomorphic (Laborieux &amp; Zenke 2022): complex states and N nudges β_k = |β| e^{2πik/N},
 *       ∇θL ≈ −(1/(N|β|)) Re Σ_k e^{−2πik/N} ∂Φ/∂θ(s^{β_k}), exact up to O(|β|^N) by Cauchy's integral formula
 *       for the derivative of β ↦ ∂Φ/∂θ(s^β) at 0.</li>
 * </ul>
 * The first three return a {@link org.eqprop.estimators.Contrast} of two real equilibria, which every engine can
 * form; the holomorphic estimator returns a {@link org.eqprop.estimators.ContourAverage} of complex equilibria
 * relaxed by {@link org.eqprop.dynamics.ComplexRelaxation}.
 */
package org.eqprop.estimators;
