package org.eqprop.io;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.params.EqPropBlockParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network's parameters in the PyTorch research code's conventions, for {@code .npz} exchange: the interactions
 * numbered from the input, {@code W1, b1, W2, b2, ...}. The EqProp block's interactions come first, its convolutions
 * then its dense layers, then the weights of the DL4J layers after it (e.g. the softmax readout): a net of three
 * convolutions and a readout has {@code W1..W3} (convolutions) and {@code W4} (readout).
 * <ul>
 *   <li>a convolution's {@code Wk} is [out, in, kH, kW] and {@code bk} [out], as in PyTorch's {@code Conv2d} (the
 *       block stores them so);</li>
 *   <li>a dense layer's or the readout's {@code Wk} is [out, in] and {@code bk} [out], as in {@code Linear} (DL4J
 *       stores [in, out]: they are transposed); after a convolution {@code in} is the map [c, h, w] flattened in NCHW
 *       order, as {@code torch.flatten(s, 1)} gives it;</li>
 *   <li>feedback weights of a vector-field block are {@code Bk} [in, out] (the top-down map from layer k to layer
 *       k−1).</li>
 * </ul>
 */
public final class NumpyParams {

    /** A missing array or one of the wrong shape: the message names it, the shape expected and the shape found. */
    public static final class Mismatch extends IOException {
        public Mismatch(String message) {
            super(message);
        }
    }

    private NumpyParams() {
    }

    /** Copies of every weight and bias, PyTorch layout. */
    public static Map<String, INDArray> export(MultiLayerNetwork net) {
        return toPyTorch(pairs(net), "", 1.0);
    }

    /**
     * The network's last computed gradient (after {@code computeGradientAndScore}), times {@code scale}, as
     * dW1, db1, ... in PyTorch layout; scale 1/batch gives the gradient of the batch-mean cost.
     */
    public static Map<String, INDArray> exportGradients(MultiLayerNetwork net, double scale) {
        List<INDArray[]> grads = new ArrayList<>();
        for (String[] key : keys(net)) {
            grads.add(Arrays.stream(key).map(net.gradient()::getGradientFor).toArray(INDArray[]::new));
        }
        return toPyTorch(grads, "d", scale);
    }

    private static Map<String, INDArray> toPyTorch(List<INDArray[]> pairs, String prefix, double scale) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int k = 0; k < pairs.size(); k++) {
            INDArray w = pairs.get(k)[0];
            INDArray b = pairs.get(k)[1];
            out.put(prefix + "W" + (k + 1), (w.rank() == 2 ? w.transpose() : w).mul(scale).dup('c'));
            out.put(prefix + "b" + (k + 1), b.reshape(b.length()).mul(scale).dup('c'));
            if (pairs.get(k).length > 2) {
                out.put(prefix + "B" + (k + 1), pairs.get(k)[2].transpose().mul(scale).dup('c'));
            }
        }
        return out;
    }

    /**
     * Loads PyTorch-layout parameters into the network, checking every name, shape and value first (nothing is
     * changed when one is wrong): a missing array or a wrong shape is a {@link Mismatch}.
     */
    public static void load(MultiLayerNetwork net, Map<String, INDArray> params) throws IOException {
        List<INDArray[]> pairs = pairs(net);
        List<String> layouts = layouts(net);
        for (int k = 0; k < pairs.size(); k++) {
            INDArray own = pairs.get(k)[0];
            long[] wShape = own.rank() == 2 ? new long[]{own.size(1), own.size(0)} : own.shape();
            check(params, "W" + (k + 1), wShape, layouts.get(k), pairs.size());
            check(params, "b" + (k + 1), new long[]{wShape[0]}, "[out]", pairs.size());
            if (pairs.get(k).length > 2) {
                check(params, "B" + (k + 1), new long[]{wShape[1], wShape[0]}, "[in, out]", pairs.size());
            }
        }
        if (params.containsKey("W" + (pairs.size() + 1))) {
            throw new Mismatch("W" + (pairs.size() + 1) + ": the network has " + pairs.size() + " weight arrays (W1.."
                    + "W" + pairs.size() + "), the file has more");
        }
        for (int k = 0; k < pairs.size(); k++) {
            INDArray target = pairs.get(k)[0];
            INDArray w = params.get("W" + (k + 1)).castTo(target.dataType());
            target.assign(target.rank() == 2 ? w.transpose() : w);
            pairs.get(k)[1].assign(params.get("b" + (k + 1)).castTo(target.dataType()).reshape(pairs.get(k)[1].shape()));
            if (pairs.get(k).length > 2) {
                pairs.get(k)[2].assign(params.get("B" + (k + 1)).castTo(target.dataType()).transpose());
            }
        }
    }

    /** The array is there, has the shape (a bias: that many values) and finite values. */
    private static void check(Map<String, INDArray> params, String key, long[] shape, String layout, int pairs)
            throws IOException {
        INDArray a = params.get(key);
        String expected = Arrays.toString(shape) + " (PyTorch layout " + layout + ")";
        if (a == null) {
            throw new Mismatch("missing " + key + ": expected " + expected + "; the network has " + pairs
                    + " weight/bias pairs");
        }
        boolean bias = shape.length == 1;
        if (bias ? a.length() != shape[0] || a.rank() > 2 : !Arrays.equals(a.shape(), shape)) {
            boolean transposed = a.rank() == 2 && shape.length == 2 && a.size(0) == shape[1] && a.size(1) == shape[0];
            throw new Mismatch(key + " must be " + expected + ", got " + Arrays.toString(a.shape())
                    + (transposed ? ": transposed" : ""));
        }
        if (!ModelFiles.finite(a)) {
            throw new IOException(key + " holds NaN or infinite values");
        }
    }

    /** How each interaction's W is laid out, for the error messages. */
    private static List<String> layouts(MultiLayerNetwork net) {
        List<String> layouts = new ArrayList<>();
        long[] map = null; // the [c, h, w] map below the next interaction when it is a convolution's
        for (Layer layer : net.getLayers()) {
            if (layer instanceof EqPropBlockLayer block) {
                EqPropBlock c = block.layerConf();
                for (int k = 0; k < c.depth(); k++) {
                    layouts.add(c.isConv(k) ? "[out, in, kH, kW]" : dense(map));
                    map = c.isConv(k) ? c.stateShape(k) : null;
                }
            } else if (layer.numParams() > 0) {
                layouts.add(dense(map));
                map = null;
            }
        }
        return layouts;
    }

    private static String dense(long[] map) {
        return map == null ? "[out, in]" : "[out, in], in = " + map[0] + "·" + map[1] + "·" + map[2]
                + " (the map [c, h, w] flattened in NCHW order)";
    }

    /** The (W [in, out], b[, B [out, in]]) views of the network, in the order of the interactions from the input. */
    static List<INDArray[]> pairs(MultiLayerNetwork net) {
        List<INDArray[]> pairs = new ArrayList<>();
        for (String[] key : keys(net)) {
            Layer layer = net.getLayer(Integer.parseInt(key[0].substring(0, key[0].indexOf('_'))));
            pairs.add(Arrays.stream(key).map(k -> layer.getParam(k.substring(k.indexOf('_') + 1)))
                    .toArray(INDArray[]::new));
        }
        return pairs;
    }

    /** The network-wide keys "layer_W", "layer_b" (and "layer_B") of every interaction, from the input on. */
    static List<String[]> keys(MultiLayerNetwork net) {
        List<String[]> keys = new ArrayList<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            Layer layer = layers[i];
            if (layer instanceof EqPropBlockLayer block) {
                for (int k = 0; k < block.layerConf().depth(); k++) {
                    String prefix = i + "_";
                    keys.add(EqPropBlockParamInitializer.interactionKeys(block.layerConf(), k).stream()
                            .map(prefix::concat).toArray(String[]::new));
                }
            } else if (layer.paramTable() != null && layer.paramTable().containsKey("W")
                    && layer.paramTable().containsKey("b")) {
                keys.add(new String[]{i + "_W", i + "_b"});
            } else if (layer.numParams() > 0) {
                throw new IllegalArgumentException("cannot map the parameters of " + layer.getClass().getSimpleName()
                        + " to W/b pairs");
            }
        }
        return keys;
    }
}
