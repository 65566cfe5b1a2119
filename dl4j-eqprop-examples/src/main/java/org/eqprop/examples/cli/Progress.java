package org.eqprop.examples.cli;

import org.deeplearning4j.nn.api.Model;
import org.eqprop.training.FreePhaseAccuracy;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A DL4J listener that draws a progress bar on stderr with the running training accuracy, read off the free phase
 * of each training batch (the papers' "train error"), and the time per iteration.
 */
final class Progress extends FreePhaseAccuracy {

    private final PrintStream err;
    private final int batchesPerEpoch;
    private final boolean terminal = System.console() != null;
    private int epoch;
    private int epochs;
    private int batches;
    private int resumedAt;
    private long epochStart;
    private long lastPrint;

    Progress(PrintStream err, int batchesPerEpoch) {
        this.err = err;
        this.batchesPerEpoch = batchesPerEpoch;
    }

    void startEpoch(int epoch, int epochs) {
        this.epoch = epoch;
        this.epochs = epochs;
        batches = 0;
        resumedAt = 0;
        reset();
        epochStart = System.nanoTime();
        lastPrint = 0;
    }

    /** Continues an epoch from a checkpoint: its batches done and its training predictions counted so far. */
    void resumeEpoch(int batchesDone, long correct, long seen) {
        batches = batchesDone;
        resumedAt = batchesDone;
        add(correct, seen);
    }

    /** Batches done in this epoch. */
    int batches() {
        return batches;
    }

    /** Training error of the epoch so far (free-phase predictions on the training batches). */
    double trainError() {
        return error();
    }

    @Override
    public void iterationDone(Model model, int iteration, int ep) {
        batches++;
        long now = System.nanoTime();
        boolean due = terminal ? now - lastPrint > 200_000_000L
                : batches % Math.max(1, batchesPerEpoch / 10) == 0;
        if (due || batches == batchesPerEpoch) {
            lastPrint = now;
            int width = 30;
            int filled = (int) ((long) width * batches / Math.max(1, batchesPerEpoch));
            String bar = "=".repeat(Math.min(width, filled)) + (filled < width ? ">" : "")
                    + " ".repeat(Math.max(0, width - filled - 1));
            double ms = (now - epochStart) / 1e6 / Math.max(1, batches - resumedAt);
            String line = String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d  train acc %.2f%%  %.1f ms/it",
                    epoch, epochs, bar, batches, batchesPerEpoch, 100 * (1 - trainError()), ms);
            err.print(terminal ? "\r" + line : line + "\n");
            if (terminal && batches == batchesPerEpoch) {
                err.println();
            }
            err.flush();
        }
    }
}
