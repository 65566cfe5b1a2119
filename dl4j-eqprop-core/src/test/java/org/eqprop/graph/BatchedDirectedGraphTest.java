package org.eqprop.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchedDirectedGraphTest {

    /** The matrix form relaxes and learns exactly as the per-neuron DirectedGraph and DeepTrainer (eqs. 1 and 2). */
    @Test
    void matchesThePerNeuronDynamicsAndRule() {
        DirectedGraph g = new DirectedGraph(9, 3, 2, 0.4, 11);
        g.setBias(5, 0.2);
        g.setBias(8, -0.1);
        g.removeConnection(4, 7);
        BatchedDirectedGraph b = BatchedDirectedGraph.of(g);
        DeepTrainer.Settings settings = new DeepTrainer.Settings(0.1, 60, 15, 0.5, 0.3, DeepTrainer.Rule.DEEP,
                DeepTrainer.Sparsity.NONE);
        double[] x = {0.9, 0.1, 0.6};
        double[] y = {1, 0};
        DeepTrainer t = new DeepTrainer(g, settings, 1);
        double[] free = t.freePhase(x);
        INDArray xs = Nd4j.create(new float[][]{{0.9f, 0.1f, 0.6f}});
        INDArray s = b.freePhase(xs, 60, 0.1);
        for (int j = 0; j < 9; j++) {
            assertEquals(free[j], s.getDouble(0, j), 1e-5, "free state of neuron " + j);
        }
        t.train(new DeepTrainer.Example(x, y));
        b.learn(s, Nd4j.create(new float[][]{{1f, 0f}}), 15, 0.1, 0.5, 0.3);
        for (int j = 3; j < 9; j++) {
            assertEquals(g.bias(j), b.bias(j), 1e-5, "bias " + j);
            for (int i = 0; i < 9; i++) {
                assertEquals(g.weight(i, j), b.weight(i, j), 1e-5, "weight " + i + " -> " + j);
            }
        }
        assertEquals(0.0, b.weight(4, 7), 0);
    }

    @Test
    void rejectsBadShapesAndSettings() {
        BatchedDirectedGraph b = new BatchedDirectedGraph(20, 5, 2, 1, 0.5, 3);
        assertThrows(IllegalArgumentException.class, () -> b.initialState(Nd4j.zeros(DataType.FLOAT, 2, 4)));
        assertThrows(IllegalArgumentException.class, () -> new BatchedDirectedGraph(20, 5, 2, 1, 0, 3));
        assertEquals(0.5, b.sparsity(), 0.1);
    }
}
