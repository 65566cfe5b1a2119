package org.eqprop.io;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 * numbered from the input, {@code W1, b1, W2, b2, ...}, with {@code Wk} [out, in] and {@code bk} [out]. The EqProp
 * block's interactions come first, then the weights of the DL4J layers after it (e.g. the softmax readout).
 * Feedback weights of a vector-field block are {@code Bk} [in, out] (the top-down map from layer k to layer k−1).
 * Convolution weights keep their [out, in, kH, kW] layout (PyTorch's Conv2d); a dense layer after a convolution takes
 * the NCHW-flattened map, as {@code torch.flatten} gives it.
 */
public final class NumpyParams {

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

    /** Loads PyTorch-layout parameters into the network, checking every name and shape first. */
    public static void load(MultiLayerNetwork net, Map<String, INDArray> params) throws IOException {
        List<INDArray[]> pairs = pairs(net);
        for (int k = 0; k < pairs.size(); k++) {
            INDArray w = params.get("W" + (k + 1));
            INDArray b = params.get("b" + (k + 1));
            INDArray own = pairs.get(k)[0];
            long[] wShape = own.rank() == 2 ? new long[]{own.size(1), own.size(0)} : own.shape();
            if (w == null || b == null) {
                throw new IOException("missing W" + (k + 1) + " or b" + (k + 1) + " (the network has " + pairs.size()
                        + " weight/bias pairs)");
            }
            INDArray[] pair = pairs.get(k);
            if (pair.length > 2 && (params.get("B" + (k + 1)) == null
                    || !Arrays.equals(params.get("B" + (k + 1)).shape(), new long[]{wShape[1], wShape[0]}))) {
                throw new IOException("feedback weights B" + (k + 1) + " must be [" + wShape[1] + ", " + wShape[0]
                        + "]");
            }
            if (!Arrays.equals(w.shape(), wShape)) {
                boolean transposed = w.rank() == 2 && w.size(0) == wShape[1] && w.size(1) == wShape[0];
                throw new IOException("W" + (k + 1) + " must be " + Arrays.toString(wShape) + " (PyTorch layout "
                        + "[out, in]), got " + Arrays.toString(w.shape()) + (transposed ? ": transposed" : ""));
            }
            if (b.length() != wShape[0]) {
                throw new IOException("b" + (k + 1) + " must have " + wShape[0] + " values (the outputs of W" + (k + 1)
                        + "), got shape " + Arrays.toString(b.shape()));
            }
            for (String name : new String[]{"W" + (k + 1), "b" + (k + 1), "B" + (k + 1)}) {
                INDArray a = params.get(name);
                if (a != null && !ModelFiles.finite(a)) {
                    throw new IOException(name + " holds NaN or infinite values");
                }
            }
        }
        if (params.containsKey("W" + (pairs.size() + 1))) {
            throw new IOException("the file has more weight matrices than the network (" + pairs.size() + ")");
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
