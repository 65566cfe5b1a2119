package org.eqprop;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.EqPropBlock;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/** Small networks and data for the tests. */
public final class TestNets {

    private TestNets() {
    }

    /**
     * A chain of dense interactions nIn → widths[0] → … in float32, weights uniform in ±1/√fan-in and biases in
     * [−0.05, 0.15), from ND4J's generator at {@code seed}; a leak of 0.01 for the sigmoid, none otherwise.
     */
    public static org.eqprop.dynamics.EnergyChain denseChain(int[] widths, int nIn, String activation,
                                                             org.eqprop.dynamics.Dynamics dynamics, long seed) {
        Nd4j.getRandom().setSeed(seed);
        java.util.List<org.eqprop.interactions.Interaction> list = new java.util.ArrayList<>();
        int lower = nIn;
        for (int w : widths) {
            double a = 1.0 / Math.sqrt(lower);
            list.add(new org.eqprop.interactions.DenseInteraction(
                    Nd4j.rand(DataType.FLOAT, lower, w).muli(2 * a).subi(a),
                    Nd4j.rand(DataType.FLOAT, 1, w).muli(0.2).subi(0.05)));
            lower = w;
        }
        return new org.eqprop.dynamics.EnergyChain(list, widths, org.eqprop.layers.StateActivation.of(activation,
                activation.equals("sigmoid") ? 0.01 : 0), dynamics);
    }

    /** A block followed by the squared-error loss layer (the block's last layer is the output). */
    public static MultiLayerConfiguration squaredError(DataType dt, EqPropBlock block, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(dt).weightInit(WeightInit.UNIFORM)
                .updater(new Sgd(0.1)).trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED).list()
                .layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(block.getNIn()))
                .build();
    }

    /** A block followed by a softmax cross-entropy readout with {@code classes} outputs. */
    public static MultiLayerConfiguration readout(DataType dt, EqPropBlock block, int classes, long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(dt).weightInit(WeightInit.UNIFORM)
                .updater(new Sgd(0.1)).list()
                .layer(block)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(classes).build())
                .setInputType(InputType.feedForward(block.getNIn()))
                .build();
    }

    /** Random inputs in [0, 1) and one-hot labels. */
    public static DataSet data(DataType dt, int n, int features, int classes, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(dt, n, features);
        INDArray y = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < features; j++) {
                x.putScalar(i, j, r.nextDouble());
            }
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return new DataSet(x, y);
    }
}
