package org.eqprop.nn.params;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.eqprop.interactions.VectorFieldInteraction;
import org.eqprop.nn.conf.EqPropBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter views of an {@link EqPropBlock}: W1 [nIn, n_1], b1 [1, n_1], W2 [n_1, n_2], b2, ... sliced in that
 * order from DL4J's flat parameter (and gradient) array, row-major; a convolutional layer's Wk is [out, in, kH, kW]
 * and bk [1, out], as in DL4J's ConvolutionLayer. A vector-field block also has feedback weights
 * B_k [n_k, n_{k−1}] for k ≥ 2, after W_k and b_k, initialised at the configured angle from W_kᵀ.
 */
public final class EqPropBlockParamInitializer implements ParamInitializer {

    private static final EqPropBlockParamInitializer INSTANCE = new EqPropBlockParamInitializer();

    public static EqPropBlockParamInitializer getInstance() {
        return INSTANCE;
    }

    public static String weightKey(int interaction) {
        return "W" + (interaction + 1);
    }

    public static String biasKey(int interaction) {
        return "b" + (interaction + 1);
    }

    public static String feedbackKey(int interaction) {
        return "B" + (interaction + 1);
    }

    /** The keys of interaction k's parameters, in the order of its gradient views: W, b (and B). */
    public static List<String> interactionKeys(EqPropBlock b, int interaction) {
        return b.hasFeedback(interaction)
                ? List.of(weightKey(interaction), biasKey(interaction), feedbackKey(interaction))
                : List.of(weightKey(interaction), biasKey(interaction));
    }

    /** The interaction index k of a key "W{k+1}", "b{k+1}" or "B{k+1}". */
    public static int interactionOf(String key) {
        try {
            return Integer.parseInt(key.substring(1)) - 1;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an EqPropBlock parameter key: " + key);
        }
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        EqPropBlock b = (EqPropBlock) layer;
        long n = 0;
        for (int k = 0; k < b.depth(); k++) {
            long w = java.util.Arrays.stream(b.weightShape(k)).reduce(1, (x, y) -> x * y);
            n += w + b.biasSize(k);
            if (b.hasFeedback(k)) {
                n += w;
            }
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        EqPropBlock b = (EqPropBlock) layer;
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < b.depth(); k++) {
            keys.addAll(interactionKeys(b, k));
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        EqPropBlock b = (EqPropBlock) layer;
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < b.depth(); k++) {
            keys.add(weightKey(k));
            if (b.hasFeedback(k)) {
                keys.add(feedbackKey(k));
            }
        }
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < ((EqPropBlock) layer).depth(); k++) {
            keys.add(biasKey(k));
        }
        return keys;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return key.startsWith("W") || key.startsWith("B");
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return key.startsWith("b");
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        EqPropBlock b = (EqPropBlock) conf.getLayer();
        if (paramsView.length() != numParams(b)) {
            throw new IllegalStateException("Expected params view of length " + numParams(b) + ", got "
                    + paramsView.length());
        }
        Map<String, INDArray> views = slice(b, paramsView);
        for (int k = 0; k < b.depth(); k++) {
            interactionKeys(b, k).forEach(conf::addVariable);
            if (initializeParams) {
                long[] shape = b.weightShape(k);
                // DL4J's conventions: fan-in = in·kH·kW and fan-out = out·kH·kW for a convolution
                long receptive = shape.length == 4 ? shape[2] * shape[3] : 1;
                long fanIn = shape.length == 4 ? shape[1] * receptive : shape[0];
                long fanOut = shape.length == 4 ? shape[0] * receptive : shape[1];
                INDArray w = views.get(weightKey(k));
                b.getWeightInitFn().init(fanIn, fanOut, w.shape(), 'c', w);
                views.get(biasKey(k)).assign(Double.isNaN(b.getBiasInit()) ? 0.0 : b.getBiasInit());
                if (b.hasFeedback(k)) {
                    INDArray feedback = views.get(feedbackKey(k));
                    INDArray noise = feedback.ulike();
                    b.getWeightInitFn().init(fanIn, fanOut, noise.shape(), 'c', noise);
                    VectorFieldInteraction.initFeedback(w, noise, b.getFeedbackAngle(), feedback);
                }
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice((EqPropBlock) conf.getLayer(), gradientView);
    }

    private Map<String, INDArray> slice(EqPropBlock b, INDArray flat) {
        INDArray view = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        long offset = 0;
        for (int k = 0; k < b.depth(); k++) {
            long[] shape = b.weightShape(k);
            long size = java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            long width = b.biasSize(k);
            out.put(weightKey(k), view.get(NDArrayIndex.interval(offset, offset + size)).reshape('c', shape));
            offset += size;
            out.put(biasKey(k), view.get(NDArrayIndex.interval(offset, offset + width)).reshape('c', 1, width));
            offset += width;
            if (b.hasFeedback(k)) {
                long in = shape[0];
                out.put(feedbackKey(k), view.get(NDArrayIndex.interval(offset, offset + in * width))
                        .reshape('c', width, in));
                offset += in * width;
            }
        }
        return out;
    }
}
