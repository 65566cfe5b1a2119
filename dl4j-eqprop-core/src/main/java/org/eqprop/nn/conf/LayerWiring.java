package org.eqprop.nn.conf;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** What every layer configuration's {@code instantiate} does to a new runtime layer, as DL4J's own layers do it. */
final class LayerWiring {

    private LayerWiring() {
    }

    /**
     * The blocks' engines read and write ND4J's host buffers directly (bulk copies, the fused and native kernels,
     * the CUDA module's own GPU path). ND4J's CUDA backend keeps device copies of its arrays that such writes would
     * leave stale, so a block refuses to be created on it: use nd4j-native, and dl4j-eqprop-cuda for the GPU.
     */
    static void requireHostBuffers(boolean cpuBackend, String backend) {
        if (!cpuBackend) {
            throw new IllegalStateException("dl4j-eqprop blocks need ND4J's CPU backend (nd4j-native), but the active "
                    + "backend is " + backend + ": the blocks' engines read and write ND4J's host buffers, which the "
                    + "CUDA backend keeps as copies of its device arrays and would not see updated. Put nd4j-native on "
                    + "the classpath instead of nd4j-cuda; for GPU training add dl4j-eqprop-cuda (its own GPU engine)");
        }
    }

    static <L extends BaseLayer<?>> L wire(L layer, NeuralNetConfiguration conf, ParamInitializer initializer,
                                           Collection<TrainingListener> listeners, int index, INDArray paramsView,
                                           boolean initializeParams) {
        requireHostBuffers(org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU(),
                org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
