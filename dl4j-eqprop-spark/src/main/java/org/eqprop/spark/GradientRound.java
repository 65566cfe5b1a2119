package org.eqprop.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.eqprop.training.EqPropNetwork;
import org.eqprop.training.FreePhaseAccuracy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One partition's share of a synchronous step: the partition's examples of the global batch go through the worker
 * network with the broadcast parameters θ_t, which computes the EqProp gradient Σ_i ∇θL_i (free phase, nudged
 * phase(s), contrast of ∂Φ/∂θ) exactly as the single-machine {@link EqPropNetwork} does.
 */
final class GradientRound implements Function2<Integer, Iterator<ExampleBlock>, Iterator<PartialGradient>> {

    private static final long serialVersionUID = 1L;

    /** The step's broadcast: its number, the parameters (ND4J's byte form) and the sorted global batch. */
    record StepInput(long step, FlatArray params, int[] batch) implements Serializable {
    }

    private final String trainerId;
    private final Broadcast<String> configJson;
    private final Broadcast<StepInput> input;
    private final DataType dataType;
    private final TaskFault fault;
    private final DataSetPreProcessor preProcessor;

    GradientRound(String trainerId, Broadcast<String> configJson, Broadcast<StepInput> input, DataType dataType,
                  TaskFault fault, DataSetPreProcessor preProcessor) {
        this.trainerId = trainerId;
        this.configJson = configJson;
        this.input = input;
        this.dataType = dataType;
        this.fault = fault;
        this.preProcessor = preProcessor;
    }

    @Override
    public Iterator<PartialGradient> call(Integer partition, Iterator<ExampleBlock> blocks) {
        StepInput in = input.value();
        TaskContext task = TaskContext.get();
        fault.check(partition, in.step(), task == null ? 0 : task.attemptNumber());
        List<ExampleBlock> held = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        while (blocks.hasNext()) {
            ExampleBlock b = blocks.next();
            held.add(b);
            positions.add(b.positionsOf(in.batch()));
        }
        DataSet ds = held.isEmpty() ? null : ExampleBlock.stack(held, positions, dataType);
        if (ds == null) {
            return List.of(new PartialGradient()).iterator();
        }
        WorkerNetworks.Worker worker = WorkerNetworks.forPartition(trainerId, partition, configJson.value(),
                preProcessor);
        EqPropNetwork net = worker.network();
        synchronized (net) {
            if (worker.preProcessor() != null) {
                worker.preProcessor().preProcess(ds);
            }
            in.params().copyInto(net.params());
            FreePhaseAccuracy accuracy = worker.accuracy();
            accuracy.reset();
            net.setInput(ds.getFeatures());
            net.setLabels(ds.getLabels());
            long t0 = System.nanoTime();
            net.computeGradientAndScore();
            long nanos = System.nanoTime() - t0;
            long n = ds.numExamples();
            PartialGradient out = new PartialGradient(net.getFlattenedGradients(), net.score() * n, n,
                    accuracy.correct(), nanos);
            net.clear();
            return List.of(out).iterator();
        }
    }
}
