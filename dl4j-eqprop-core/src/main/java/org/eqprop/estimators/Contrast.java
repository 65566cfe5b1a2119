package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

/**
 * What a gradient estimator asks for: ∇θL ≈ scale · (∂Φ/∂θ(plus) − ∂Φ/∂θ(minus)).
 * Symmetric: plus = s^{+β}, minus = s^{−β}, scale = −1/(2β); one-sided: plus = s^{β}, minus = s^0, scale = −1/β.
 */
public record Contrast(Equilibrium plus, Equilibrium minus, double scale) {
}
