package org.eqprop.estimators;

/**
 * The settings of holomorphic EqProp: N points on a circle of radius |β| in the complex β plane
 * ({@link HolomorphicEstimator}). The papers' choice, and the default, is N = 4.
 *
 * @param points N ≥ 2
 * @param radius |β| &gt; 0
 */
public record HolomorphicSettings(int points, double radius) {

    /** The default number of points on the circle. */
    public static final int DEFAULT_POINTS = 4;

    public HolomorphicSettings {
        if (points < 2) {
            throw new IllegalArgumentException("holomorphic EqProp needs at least 2 points, got " + points);
        }
        if (!(radius > 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("the contour radius |beta| must be finite and > 0, got " + radius);
        }
    }

    /** N points on the circle |β| = radius: {@code estimator(holomorphic(4, 0.5))}. */
    public static HolomorphicSettings holomorphic(int points, double radius) {
        return new HolomorphicSettings(points, radius);
    }
}
