package org.eqprop.io;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.util.RandomState;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A training checkpoint in one file, written atomically ({@link AtomicFiles}): a zip holding {@code model.zip} (DL4J's
 * {@link ModelSerializer} form: configuration, parameters, updater state, iteration and epoch counts) and
 * {@code state.json} (the position of every layer's random stream, {@link RandomState}, and whatever the trainer
 * needs to continue exactly: its place in the data, its history).
 *
 * <p>Reading checks each entry's declared size before inflating it, and only the two entries are read.
 */
public final class Checkpoint {

    /** Entries larger than this are refused (a checkpoint of a 100M-parameter network with Adam is about 1.2 GB). */
    public static final long MAX_ENTRY_BYTES = 3L << 29;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoint() {
    }

    /** A restored network and the trainer's state. */
    public record Loaded(MultiLayerNetwork net, Map<String, Object> state) {
    }

    /**
     * Writes the network (with its updater) and {@code state} (JSON-serialisable: numbers, strings, lists, maps), with
     * the layers' random streams added under {@code "random_streams"}.
     *
     * @throws IOException when the parameters are not finite (a diverged run is never checkpointed) or the write fails
     */
    public static void write(Path file, MultiLayerNetwork net, Map<String, Object> state) throws IOException {
        ModelFiles.requireFinite(net, "checkpoint " + file);
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, model, true);
        Map<String, Object> all = new LinkedHashMap<>(state);
        all.put("random_streams", randomStates(net));
        byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(all);
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            zip.putNextEntry(new ZipEntry("model.zip"));
            model.writeTo(zip);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("state.json"));
            zip.write(json);
            zip.closeEntry();
            zip.finish();
        });
    }

    /**
     * Reads a checkpoint: the network as saved (a plain {@link MultiLayerNetwork}; wrap it as the trainer needs, then
     * {@link #restoreRandomStates(MultiLayerNetwork, Map)} on the network that will train) and the trainer's state.
     */
    public static Loaded read(Path file) throws IOException {
        byte[][] entries = entries(file, true);
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(entries[0]), true);
        } catch (Exception e) {
            throw new IOException("checkpoint " + file + ": cannot restore its network (" + e.getMessage() + ")", e);
        }
        ModelFiles.requireFinite(net, "checkpoint " + file);
        return new Loaded(net, parse(file, entries[1]));
    }

    /** Only the trainer's state of a checkpoint (its network is not inflated). */
    public static Map<String, Object> readState(Path file) throws IOException {
        return parse(file, entries(file, false)[1]);
    }

    /** Sets each layer's streams back to the position recorded in a checkpoint's state. */
    public static void restoreRandomStates(MultiLayerNetwork net, Map<String, Object> state) {
        Object streams = state.get("random_streams");
        if (!(streams instanceof List<?> list)) {
            throw new IllegalArgumentException("the checkpoint records no random streams");
        }
        restoreRandomStates(net, list);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(Path file, byte[] json) throws IOException {
        try {
            return JSON.readValue(json, Map.class);
        } catch (IOException e) {
            throw new IOException("checkpoint " + file + ": state.json is not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    /** {model.zip bytes or null, state.json bytes}; only those two entries are inflated, each bounded. */
    private static byte[][] entries(Path file, boolean withModel) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint not found: " + file);
        }
        byte[] model = null;
        byte[] json = null;
        try (ZipInputStream zip = new ZipInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (withModel && e.getName().equals("model.zip")) {
                    model = readBounded(zip, file, e.getName());
                } else if (e.getName().equals("state.json")) {
                    json = readBounded(zip, file, e.getName());
                }
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new IOException("checkpoint " + file + " is corrupt: " + e.getMessage(), e);
        }
        if ((withModel && model == null) || json == null) {
            throw new IOException("checkpoint " + file + " is incomplete: it lacks " + (json == null ? "state.json"
                    : "model.zip"));
        }
        return new byte[][]{model, json};
    }

    /** Each layer's random-stream position ({@link RandomState}; empty for a layer without streams). */
    public static List<long[]> randomStates(MultiLayerNetwork net) {
        List<long[]> out = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            out.add(l instanceof RandomState r ? r.randomState() : RandomState.NONE);
        }
        return out;
    }

    /** Sets each layer's streams back to a position from {@link #randomStates}. */
    public static void restoreRandomStates(MultiLayerNetwork net, List<?> states) {
        Layer[] layers = net.getLayers();
        if (states.size() != layers.length) {
            throw new IllegalArgumentException("the checkpoint has random streams for " + states.size()
                    + " layers, the network has " + layers.length);
        }
        for (int i = 0; i < layers.length; i++) {
            List<?> words = (List<?>) states.get(i);
            long[] s = new long[words.size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = ((Number) words.get(k)).longValue();
            }
            if (layers[i] instanceof RandomState r) {
                r.restoreRandomState(s);
            } else {
                RandomState.expectLength(s, 0, "layer " + i);
            }
        }
    }

    private static byte[] readBounded(InputStream in, Path file, String entry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > MAX_ENTRY_BYTES) {
                throw new IOException("checkpoint " + file + ": entry " + entry + " inflates past "
                        + (MAX_ENTRY_BYTES >> 20) + " MB; refusing it");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
