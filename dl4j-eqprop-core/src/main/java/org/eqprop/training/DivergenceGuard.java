package org.eqprop.training;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Locale;

/**
 * A DL4J listener that stops a diverging run loudly: after every iteration it checks that the loss (the model's
 * score) and the parameters are finite, and that the running mean of the loss over {@link DivergenceSettings#window()}
 * iterations has not gone above {@link DivergenceSettings#factor()} times its best while also giving back at least
 * {@link #GIVEN_BACK} of what training had gained (the first window's mean minus the best); otherwise it throws
 * {@link DivergenceException} out of {@code fit}, before any later checkpoint can save the diverged parameters.
 *
 * <p>The second condition keeps a well-trained run going: at a loss near zero (mnist-fc1 after 9 epochs: a best
 * windowed mean of 0.0021 against a start near 0.45) a window of harder examples can sit at 4x the best, 0.0085,
 * which is noise, not divergence; a diverging run climbs back towards where it started.
 */
public final class DivergenceGuard extends BaseTrainingListener {

    /** The fewest training examples in an epoch for {@link #checkEpoch} to judge it. */
    public static final long CHANCE_MIN_EXAMPLES = 1000;
    /** The fewest iterations in an epoch for {@link #checkEpoch} to judge it (a short run may not have learnt yet). */
    public static final int CHANCE_MIN_ITERATIONS = 100;

    private final DivergenceSettings settings;
    private final double[] recent;
    private int filled;
    private int next;
    private double sum;
    private double best = Double.POSITIVE_INFINITY;
    private double first = Double.NaN;
    private long seen;

    /** The fraction of the gain (first windowed mean − best) that a diverging loss has given back. */
    public static final double GIVEN_BACK = 0.1;

    public DivergenceGuard(DivergenceSettings settings) {
        this.settings = settings;
        this.recent = new double[settings.window()];
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        double loss = model.score();
        if (!Double.isFinite(loss)) {
            throw new DivergenceException(String.format(Locale.ROOT, "diverged: the loss is %s at iteration %d "
                    + "(epoch %d); lower the learning rates or beta", loss, iteration, epoch), iteration);
        }
        INDArray p = model.params();
        // every iteration: one in-place SIMD pass over float32 parameters (Phases.allFinite), no copy
        if (p != null && p.length() > 0 && !org.eqprop.dynamics.Phases.allFinite(p)) {
            throw new DivergenceException(String.format(Locale.ROOT, "diverged: the parameters hold NaN or infinite "
                    + "values after iteration %d (epoch %d); lower the learning rates", iteration, epoch), iteration);
        }
        observe(loss, iteration, epoch);
    }

    /** Adds one loss to the running window; throws when the window's mean has left its best by the factor. */
    void observe(double loss, long iteration, int epoch) {
        seen++;
        sum += loss - (filled == recent.length ? recent[next] : 0);
        recent[next] = loss;
        next = (next + 1) % recent.length;
        filled = Math.min(filled + 1, recent.length);
        if (filled < recent.length) {
            return;
        }
        double mean = sum / filled;
        if (Double.isNaN(first)) {
            first = mean;
        }
        if (mean < best) {
            best = mean;
        } else if (mean > settings.factor() * best && mean - best >= GIVEN_BACK * (first - best)
                && seen >= 2L * recent.length) {
            throw new DivergenceException(String.format(Locale.ROOT, "diverged: the mean loss over the last %d "
                            + "iterations is %.4g, %.1fx its best %.4g (limit %.1fx), back %.0f%% of the way to its "
                            + "first %.4g, at iteration %d (epoch %d); lower the learning rates, or raise "
                            + "--divergence-factor", recent.length, mean, mean / best, best, settings.factor(),
                    100 * (mean - best) / Math.max(first - best, Double.MIN_VALUE), first, iteration, epoch),
                    iteration);
        }
    }

    /**
     * After an epoch: with {@link DivergenceSettings#chanceCheck()}, throws when the epoch's training error over
     * {@code examples} examples and {@code iterations} iterations (at least {@link #CHANCE_MIN_EXAMPLES} and
     * {@link #CHANCE_MIN_ITERATIONS}) is above chance minus two standard errors, 1 − 1/C − 2·√((1/C)(1 − 1/C)/n): the
     * predictions are indistinguishable from guessing after enough updates to have learnt something.
     */
    public void checkEpoch(double trainError, long examples, int iterations, int classes, int epoch) {
        if (!settings.chanceCheck() || examples < CHANCE_MIN_EXAMPLES || iterations < CHANCE_MIN_ITERATIONS
                || classes < 2 || Double.isNaN(trainError)) {
            return;
        }
        double p = 1.0 / classes;
        double chance = 1 - p;
        double limit = chance - 2 * Math.sqrt(p * (1 - p) / examples);
        if (trainError > limit) {
            throw new DivergenceException(String.format(Locale.ROOT, "diverged: epoch %d's training error %.2f%% over "
                            + "%d examples (%d iterations) is no better than chance (%.2f%%; limit %.2f%%): nothing is being learnt; "
                            + "check the learning rates (too large saturates the states) or pass --no-divergence-check",
                    epoch, 100 * trainError, examples, iterations, 100 * chance, 100 * limit), -1);
        }
    }

    /** The best windowed mean loss so far (infinite before the first full window). */
    public double bestMeanLoss() {
        return best;
    }
}
