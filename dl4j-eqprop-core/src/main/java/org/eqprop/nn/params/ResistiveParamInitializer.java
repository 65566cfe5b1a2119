package org.eqprop.nn.params;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.resistive.CircuitTopology;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Parameter views of a {@link ResistiveBlock}: the crossbars G0, G1, ..., each [2 n_m + 2, n_{m+1}] row-major (rows:
 * the sending voltages c v, −c v, V_b, −V_b; columns: the nodes driven), sliced from DL4J's flat parameter (and
 * gradient) array. Conductances start uniform in [0, initScale/√rows).
 */
public final class ResistiveParamInitializer implements ParamInitializer {

    private static final ResistiveParamInitializer INSTANCE = new ResistiveParamInitializer();

    public static ResistiveParamInitializer getInstance() {
        return INSTANCE;
    }

    /** "G" + m. */
    public static String key(int m) {
        return "G" + m;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return ((ResistiveBlock) layer).topology().conductances();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        int n = ((ResistiveBlock) layer).getHidden().length + 1;
        List<String> keys = new ArrayList<>();
        for (int m = 0; m < n; m++) {
            keys.add(key(m));
        }
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return paramKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        ResistiveBlock b = (ResistiveBlock) conf.getLayer();
        Map<String, INDArray> views = slice(b, paramsView);
        views.keySet().forEach(conf::addVariable);
        if (initializeParams) {
            CircuitTopology t = b.topology();
            Random r = new Random(conf.getSeed());
            for (int m = 0; m < t.crossbars(); m++) {
                INDArray g = views.get(key(m));
                double scale = b.getInitScale() / Math.sqrt(t.rows(m));
                for (int i = 0; i < t.rows(m); i++) {
                    for (int j = 0; j < t.columns(m); j++) {
                        g.putScalar(i, j, scale * r.nextDouble());
                    }
                }
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return slice((ResistiveBlock) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> slice(ResistiveBlock b, INDArray flat) {
        CircuitTopology t = b.topology();
        INDArray view = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        long offset = 0;
        for (int m = 0; m < t.crossbars(); m++) {
            long n = (long) t.rows(m) * t.columns(m);
            out.put(key(m), view.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', t.rows(m), t.columns(m)));
            offset += n;
        }
        return out;
    }
}
