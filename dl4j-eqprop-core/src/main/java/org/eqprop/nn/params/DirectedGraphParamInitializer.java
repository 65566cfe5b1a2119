package org.eqprop.nn.params;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.eqprop.nn.conf.DirectedGraphBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Parameter views of a {@link DirectedGraphBlock}: W [N, N] (W_ij from neuron i to neuron j) then b [1, N], sliced
 * row-major from DL4J's flat parameter (and gradient) array. W starts uniform in [−initScale, initScale) off the
 * diagonal (no self-loops) and b at zero.
 */
public final class DirectedGraphParamInitializer implements ParamInitializer {

    public static final String WEIGHTS = "W";
    public static final String BIAS = "b";
    private static final DirectedGraphParamInitializer INSTANCE = new DirectedGraphParamInitializer();

    public static DirectedGraphParamInitializer getInstance() {
        return INSTANCE;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = ((DirectedGraphBlock) layer).neurons();
        return n * n + n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(WEIGHTS, BIAS);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of(WEIGHTS);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(BIAS);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHTS.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        DirectedGraphBlock b = (DirectedGraphBlock) conf.getLayer();
        Map<String, INDArray> views = slice(b, paramsView);
        conf.addVariable(WEIGHTS);
        conf.addVariable(BIAS);
        if (initializeParams) {
            int n = b.neurons();
            Random r = new Random(conf.getSeed());
            INDArray w = views.get(WEIGHTS);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    w.putScalar(i, j, i == j ? 0 : b.getInitScale() * (2 * r.nextDouble() - 1));
                }
            }
            views.get(BIAS).assign(0);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice((DirectedGraphBlock) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> slice(DirectedGraphBlock b, INDArray flat) {
        long n = b.neurons();
        INDArray view = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        out.put(WEIGHTS, view.get(NDArrayIndex.interval(0, n * n)).reshape('c', n, n));
        out.put(BIAS, view.get(NDArrayIndex.interval(n * n, n * n + n)).reshape('c', 1, n));
        return out;
    }
}
