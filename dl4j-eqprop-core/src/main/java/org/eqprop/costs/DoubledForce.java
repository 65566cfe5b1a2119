package org.eqprop.costs;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A nudging force on a batch stacked twice, [x; x]: the first half is nudged with +β, the second with −β, so that the
 * symmetric estimator's two nudged phases run as one relaxation (Laborieux et al. 2021 run them one after the other).
 */
public final class DoubledForce implements NudgingForce {

    private final NudgingForce force;
    private final long half;

    /**
     * @param force the force of the original batch
     * @param half  the original batch size n (the doubled batch has 2n rows)
     */
    public DoubledForce(NudgingForce force, long half) {
        this.force = force;
        this.half = half;
    }

    @Override
    public void addTo(INDArray drive, INDArray output, double beta) {
        if (drive.size(0) != 2 * half) {
            throw new IllegalArgumentException("a doubled force expects " + 2 * half + " rows, got " + drive.size(0));
        }
        force.addTo(rows(drive, 0), rows(output, 0), beta);
        force.addTo(rows(drive, half), rows(output, half), -beta);
    }

    private INDArray rows(INDArray a, long from) {
        return a.get(NDArrayIndex.interval(from, from + half), NDArrayIndex.all());
    }
}
