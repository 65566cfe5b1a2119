package org.eqprop.nn;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A convolutional EqProp block as a DL4J layer: input types, a conv output layer with a readout, serialisation. */
class ConvBlockTest {

    static MultiLayerConfiguration readoutNet(DataType dt, InputType input, double beta) {
        EqPropBlock b = new EqPropBlock.Builder().convLayers(ConvSpec.maxPooled(2, 3, 1))
                .stateActivation("half-hard-sigmoid").freeSteps(3000).nudgedSteps(3000).tolerance(1e-13).beta(beta)
                .engine("reference").build();
        return new NeuralNetConfiguration.Builder().seed(3).dataType(dt).weightInit(WeightInit.UNIFORM)
                .updater(new Sgd(0.1)).list().layer(b)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build())
                .setInputType(input).build();
    }

    static DataSet data(int n, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, n, 16);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 16; j++) {
                x.putScalar(i, j, 2 * r.nextDouble());
            }
            y.putScalar(i, r.nextInt(3), 1.0);
        }
        return new DataSet(x, y);
    }

    /** The last conv map (2 channels × 2 × 2) is the block's output; a softmax readout follows (Laborieux et al.). */
    @Test
    void convOutputLayerWithReadoutGivesTheFiniteDifferenceGradient() {
        EqPropNetwork net = new EqPropNetwork(readoutNet(DataType.DOUBLE, InputType.convolutionalFlat(4, 4, 1),
                1e-5));
        net.init();
        assertEquals(8, ((EqPropBlock) net.getLayer(0).conf().getLayer()).getNOut());
        DataSet ds = data(3, 1);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray ep = net.getLayer(0).getGradientsViewArray().dup().divi(3);
        INDArray params = net.getLayer(0).params();
        double worst = 0;
        double h = 1e-6;
        for (long i = 0; i < params.length(); i++) {
            double v = params.getDouble(i);
            params.putScalar(i, v + h);
            double up = net.score(ds);
            params.putScalar(i, v - h);
            double down = net.score(ds);
            params.putScalar(i, v);
            worst = Math.max(worst, Math.abs((up - down) / (2 * h) - ep.getDouble(i)));
        }
        assertTrue(worst < 1e-6 && ep.norm2Number().doubleValue() > 1e-3, "max abs error " + worst);
    }

    @Test
    void feedsFlatOrFeatureMapInputAndRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws IOException {
        MultiLayerConfiguration conf = readoutNet(DataType.FLOAT, InputType.convolutional(4, 4, 1), 0.5);
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray flat = data(5, 2).getFeatures().castTo(DataType.FLOAT);
        INDArray maps = flat.reshape('c', 5, 1, 4, 4);
        INDArray out = net.output(maps);
        assertArrayEquals(new long[]{5, 3}, out.shape());
        MultiLayerNetwork flatNet = new MultiLayerNetwork(readoutNet(DataType.FLOAT,
                InputType.convolutionalFlat(4, 4, 1), 0.5));
        flatNet.init(net.params().dup(), false);
        assertTrue(flatNet.output(flat).equalsWithEps(out, 1e-6));
        File f = dir.resolve("conv.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        assertTrue(ModelSerializer.restoreMultiLayerNetwork(f).output(maps).equalsWithEps(out, 1e-6));
        Exception e = assertThrows(Exception.class, () -> net.output(Nd4j.zeros(DataType.FLOAT, 5, 1, 5, 4)));
        assertTrue(e.getMessage().contains("[5, 1, 5, 4]"), e.getMessage());
        DL4JInvalidInputException wrongWidth = assertThrows(DL4JInvalidInputException.class,
                () -> flatNet.output(Nd4j.zeros(DataType.FLOAT, 5, 15)));
        assertTrue(wrongWidth.getMessage().contains("15 columns"), wrongWidth.getMessage());
    }

    @Test
    void shapesThatDoNotFitAreRejectedWithTheLayerNamed() {
        EqPropBlock b = new EqPropBlock.Builder().convLayers(ConvSpec.maxPooled(2, 3, 0)).layerSizes(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new NeuralNetConfiguration.Builder().list().layer(b)
                        .layer(new OutputLayer.Builder().nOut(3).build())
                        .setInputType(InputType.convolutionalFlat(5, 5, 1)).build());
        assertTrue(e.getMessage().contains("conv layer 1") && e.getMessage().contains("3x3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder()
                .convLayers(new ConvSpec(2, 3, 1, "median", 2)).build());
    }
}
