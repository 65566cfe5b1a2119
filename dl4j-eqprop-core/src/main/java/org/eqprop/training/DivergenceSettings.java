package org.eqprop.training;

/**
 * When a training run counts as diverged ({@link DivergenceGuard}): a non-finite loss or parameter at once, or a
 * loss whose running mean over {@code window} iterations rises above {@code factor} times the best running mean seen
 * so far while giving back {@link DivergenceGuard#GIVEN_BACK} of the gain (after the first {@code window} iterations); and, with {@code chanceCheck}, an epoch whose training error is
 * no better than guessing ({@link DivergenceGuard#checkEpoch}): a learning rate so large that the states saturate
 * leaves the loss flat while nothing is learnt.
 *
 * @param factor  how far above its best the windowed loss may go (&gt; 1); {@link Double#POSITIVE_INFINITY} checks only
 *                for non-finite values
 * @param window  iterations per running mean (&ge; 1)
 * @param chanceCheck stop after an epoch of at least {@link DivergenceGuard#CHANCE_MIN_EXAMPLES} examples and
 *                {@link DivergenceGuard#CHANCE_MIN_ITERATIONS} iterations whose training error is within two standard
 *                errors of chance, 1 − 1/classes
 */
public record DivergenceSettings(double factor, int window, boolean chanceCheck) {

    /** The defaults: a loss 4× its best over 100 iterations (2000 examples at batch 20). */
    public static final DivergenceSettings DEFAULT = new DivergenceSettings(4.0, 100, true);

    /** Only NaN and infinite losses and parameters stop the run. */
    public static final DivergenceSettings NON_FINITE_ONLY = new DivergenceSettings(Double.POSITIVE_INFINITY, 100,
            false);

    public DivergenceSettings {
        if (!(factor > 1)) {
            throw new IllegalArgumentException("divergence factor must be > 1 (the windowed loss over its best), got "
                    + factor);
        }
        if (window < 1) {
            throw new IllegalArgumentException("divergence window must be >= 1 iteration, got " + window);
        }
    }
}
