package org.eqprop.io;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.TestNets;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {

    /** A random-sign block with momentum: its sign stream and its updater state both matter to continue exactly. */
    private static EqPropNetwork net() {
        EqPropBlock block = new EqPropBlock.Builder().nIn(6).layerSizes(5, 3).beta(0.3).estimator("random-sign")
                .freeSteps(15).nudgedSteps(5).build();
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration
                .Builder().seed(5).dataType(DataType.DOUBLE)
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.UNIFORM)
                .updater(new org.nd4j.linalg.learning.config.Nesterovs(0.05, 0.9)).list()
                .layer(block)
                .layer(new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(new org.eqprop.costs.HalfSquaredError())
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(6))
                .build();
        EqPropNetwork n = new EqPropNetwork(conf);
        n.init();
        return n;
    }

    @Test
    void aResumedNetworkContinuesExactlyAsTheUninterruptedOne(@TempDir Path tmp) throws IOException {
        DataSet[] batches = new DataSet[8];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = TestNets.data(DataType.DOUBLE, 4, 6, 3, 100 + i);
        }
        EqPropNetwork straight = net();
        for (DataSet b : batches) {
            straight.fit(b);
        }
        EqPropNetwork first = net();
        for (int i = 0; i < 3; i++) {
            first.fit(batches[i]);
        }
        Path file = tmp.resolve("checkpoint.zip");
        Checkpoint.write(file, first, Map.of("batches_done", 3, "note", "x"));
        Checkpoint.Loaded loaded = Checkpoint.read(file);
        assertEquals(3, ((Number) loaded.state().get("batches_done")).intValue());
        assertEquals("x", loaded.state().get("note"));
        EqPropNetwork resumed = EqPropNetwork.wrap(loaded.net());
        Checkpoint.restoreRandomStates(resumed, loaded.state());
        assertEquals(first.getIterationCount(), resumed.getIterationCount());
        assertArrayEquals(first.getUpdater().getStateViewArray().toDoubleVector(),
                resumed.getUpdater().getStateViewArray().toDoubleVector());
        for (int i = 3; i < batches.length; i++) {
            resumed.fit(batches[i]);
        }
        assertArrayEquals(straight.params().toDoubleVector(), resumed.params().toDoubleVector(), 0,
                "same parameters, to the bit");

        // without the random stream the signs differ, and so do the parameters
        EqPropNetwork fresh = EqPropNetwork.wrap(Checkpoint.read(file).net());
        for (int i = 0; i < 3; i++) {
            fresh.fit(batches[i]);
        }
        for (int i = 3; i < batches.length; i++) {
            fresh.fit(batches[i]);
        }
        assertTrue(fresh.params().distance2(straight.params()) > 0);
    }

    @Test
    void damagedOrDivergedCheckpointsAreRefusedByName(@TempDir Path tmp) throws IOException {
        MultiLayerNetwork n = net();
        Path file = tmp.resolve("checkpoint.zip");
        Checkpoint.write(file, n, Map.of());
        byte[] all = Files.readAllBytes(file);
        Path cut = tmp.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());

        n.getLayer(0).getParam("b1").putScalar(0, Double.POSITIVE_INFINITY);
        IOException d = assertThrows(IOException.class, () -> Checkpoint.write(tmp.resolve("bad.zip"), n, Map.of()));
        assertTrue(d.getMessage().contains("0_b1"), d.getMessage());
        assertTrue(!Files.exists(tmp.resolve("bad.zip")));
        Path model = tmp.resolve("model.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(n, model.toFile(), true);
        IOException m = assertThrows(IOException.class, () -> ModelFiles.load(model));
        assertTrue(m.getMessage().contains("NaN or infinite"), m.getMessage());
        assertEquals(List.of(), List.of(tmp.toFile().list((dir, name) -> name.endsWith(".tmp"))));
    }
}
