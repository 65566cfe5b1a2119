// session_check.cpp: checks of the resident sessions (eqprop_session.h) through whatever driver the process opens
// (EQPROP_CUDA_DRIVER: the CPU stand-in in the tests, a GPU in gpu-check.sh). Run by NativeSessionTest (and its
// sanitizer build) and by gpu-check.sh.
//
//   session_check FATBIN [--faults]
//
// Checks: the persistent and the layered relaxation of the same dense chain agree (free, nudged and gradient; both
// layer orders; squared, softmax and held forces; with and without a tolerance); a conv chain relaxes with every
// pooling, and gives the same result with the stand-in's blocks and threads in reverse order; after the first
// iteration an iteration allocates nothing and moves only the minibatch and the parameters up, the output and the
// gradient down; with --faults, an injected launch failure or out-of-memory returns -2, resets the context, and a
// new session works. Prints one line per check and exits 0 when all pass.
#include "eqprop_jni.h"
#include "check_data.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace eqprop;

namespace {

using check::relError;

int failures = 0;
std::mt19937 rng(11);

std::vector<float> uniform(size_t n, float lo, float hi) {
    return check::uniform(rng, n, lo, hi);
}

std::vector<float> oneHot(int batch, int classes) {
    return check::oneHot(rng, batch, classes);
}

void verdict(const std::string& name, bool ok, const std::string& detail) {
    if (!ok) failures++;
    std::printf("%-64s %s %s\n", name.c_str(), ok ? "ok" : "FAILED", detail.c_str());
    std::fflush(stdout);
}

void close(const std::string& name, const std::vector<float>& a, const std::vector<float>& b, double bound) {
    double e = relError(a, b);
    char d[64];
    std::snprintf(d, sizeof d, "(rel.err %.2g)", e);
    verdict(name, e <= bound, d);
}

struct LayerSpec {
    int kind, channels, kernel, stride, padding, pool, pooling;
};

std::vector<int> config(int batch, int c, int h, int w, const std::vector<LayerSpec>& layers, int alternating,
                        int mode, int activation) {
    std::vector<int> icfg(EQP_CFG_HEADER + EQP_CFG_PER_LAYER * layers.size(), 0);
    icfg[EQP_CFG_LAYERS] = (int)layers.size();
    icfg[EQP_CFG_BATCH] = batch;
    icfg[EQP_CFG_ACTIVATION] = activation;
    icfg[EQP_CFG_DYNAMICS] = EQP_FIXED_POINT;
    icfg[EQP_CFG_ALTERNATING] = alternating;
    icfg[EQP_CFG_PRECISION] = EQP_FP32;
    icfg[EQP_CFG_IN_CHANNELS] = c;
    icfg[EQP_CFG_IN_HEIGHT] = h;
    icfg[EQP_CFG_IN_WIDTH] = w;
    icfg[EQP_CFG_MODE] = mode;
    for (size_t k = 0; k < layers.size(); k++) {
        int* l = &icfg[EQP_CFG_HEADER + EQP_CFG_PER_LAYER * k];
        const LayerSpec& s = layers[k];
        l[0] = s.kind;
        l[1] = s.channels;
        l[2] = s.kernel;
        l[3] = s.stride;
        l[4] = s.padding;
        l[5] = s.pool;
        l[6] = s.pooling;
    }
    return icfg;
}

struct Result {
    std::vector<float> output, grad, free, plus, minus;
    int stats[12];
    int code;
};

/** One symmetric iteration through the phase functions; the states of all slots. */
Result iterate(long long s, const std::vector<float>& x, const std::vector<float>& params, int force,
               const std::vector<float>& labels, int classes, const std::vector<float>& rw,
               const std::vector<float>& rb, float beta, int free, int nudged, float tol, size_t outputSize,
               size_t stateSize) {
    Result r;
    r.output.assign(outputSize, NAN);
    r.grad.assign(params.size(), NAN);
    r.code = session_iteration(s, x.data(), params.data(), force, labels.data(), classes, rw.data(), rb.data(), 1.0f,
                               beta, 1, free, nudged, tol, r.output.data(), r.grad.data(), r.stats);
    r.free.assign(stateSize, NAN);
    r.plus.assign(stateSize, NAN);
    r.minus.assign(stateSize, NAN);
    if (r.code == 0) {
        session_read_states(s, 0, r.free.data());
        session_read_states(s, 1, r.plus.data());
        session_read_states(s, 2, r.minus.data());
    }
    return r;
}

void denseModesAgree() {
    int batch = 9, in = 20;
    std::vector<LayerSpec> layers = {{0, 15, 1, 1, 0, 1, EQP_POOL_NONE}, {0, 11, 1, 1, 0, 1, EQP_POOL_NONE},
                                     {0, 7, 1, 1, 0, 1, EQP_POOL_NONE}};
    std::vector<float> params;
    int lower = in;
    for (auto& l : layers) {
        std::vector<float> w = uniform((size_t)lower * l.channels, -0.6f, 0.6f), b = uniform(l.channels, -0.2f, 0.3f);
        params.insert(params.end(), w.begin(), w.end());
        params.insert(params.end(), b.begin(), b.end());
        lower = l.channels;
    }
    std::vector<float> x = uniform((size_t)batch * in, 0, 1);
    int classes = 4;
    std::vector<float> rw = uniform(7 * classes, -0.5f, 0.5f), rb = uniform(classes, -0.1f, 0.1f);
    const char* forces[] = {"", "squared", "softmax", "held"};
    for (int alternating = 0; alternating < 2; alternating++) {
        for (int force = EQP_FORCE_SQUARED; force <= EQP_FORCE_HELD; force++) {
            for (float tol : {0.0f, 1e-4f}) {
                std::vector<float> labels = force == EQP_FORCE_SOFTMAX ? oneHot(batch, classes)
                        : force == EQP_FORCE_SQUARED ? oneHot(batch, 7) : uniform((size_t)batch * 7, -1, 1);
                Result r[2];
                for (int mode = 1; mode <= 2; mode++) {
                    std::vector<int> icfg = config(batch, in, 1, 1, layers, alternating, mode, EQP_HALF_HARD_SIGMOID);
                    float fcfg[2] = {0.0f, 1.0f};
                    long long s = session_create(icfg.data(), fcfg);
                    if (s < 0) {
                        verdict("create dense session", false, last_error());
                        return;
                    }
                    verdict(std::string("dense session mode ") + (mode == 1 ? "persistent" : "layered"),
                            session_mode(s) == mode - 1, "");
                    r[mode - 1] = iterate(s, x, params, force, labels, classes, rw, rb, 0.5f, 40, 12, tol,
                                          (size_t)batch * 7, (size_t)batch * 33);
                    if (r[mode - 1].code != 0) verdict("iteration", false, last_error());
                    session_destroy(s);
                }
                char name[128];
                std::snprintf(name, sizeof name, "dense persistent = layered (%s, %s, tol %g)",
                              alternating ? "alternating" : "synchronous", forces[force], tol);
                // with a tolerance, the persistent kernel stops each tile of the batch on its own residual and the
                // layered relaxation stops the whole batch: the states agree to the tolerance, not to rounding
                double bound = tol > 0 ? 2e-3 : 2e-6;
                close(std::string(name) + " free", r[1].free, r[0].free, bound);
                close(std::string(name) + " nudged", r[1].plus, r[0].plus, bound);
                close(std::string(name) + " gradient", r[1].grad, r[0].grad, tol > 0 ? 2e-3 : 2e-5);
                close(std::string(name) + " output", r[1].output, r[0].output, bound);
                bool steps = true;
                for (int i = 0; i < 3; i++) steps &= std::abs(r[1].stats[4 * i] - r[0].stats[4 * i]) <= (tol > 0 ? 1 : 0);
                verdict(std::string(name) + " steps", steps, "");
            }
        }
    }
}

void convChain(bool faults) {
    int batch = 5;
    std::vector<LayerSpec> layers = {{1, 4, 3, 1, 1, 2, EQP_POOL_MAX}, {1, 6, 3, 1, 1, 2, EQP_POOL_AVG},
                                     {1, 5, 1, 1, 0, 1, EQP_POOL_NONE}, {0, 7, 1, 1, 0, 1, EQP_POOL_NONE}};
    std::vector<int> chans = {3, 4, 6, 5};
    std::vector<int> ksz = {3, 3, 1};
    std::vector<float> params;
    for (int k = 0; k < 3; k++) {
        std::vector<float> w = uniform((size_t)layers[k].channels * chans[k] * ksz[k] * ksz[k], -0.5f, 0.5f);
        std::vector<float> b = uniform(layers[k].channels, -0.1f, 0.3f);
        params.insert(params.end(), w.begin(), w.end());
        params.insert(params.end(), b.begin(), b.end());
    }
    std::vector<float> w4 = uniform(5 * 2 * 2 * 7, -0.5f, 0.5f), b4 = uniform(7, -0.1f, 0.1f);
    params.insert(params.end(), w4.begin(), w4.end());
    params.insert(params.end(), b4.begin(), b4.end());
    std::vector<float> x = uniform((size_t)batch * 3 * 8 * 8, 0, 1);
    int classes = 3;
    std::vector<float> labels = oneHot(batch, classes), rw = uniform(7 * classes, -0.5f, 0.5f),
            rb = uniform(classes, -0.1f, 0.1f);
    size_t stateSize = (size_t)batch * (4 * 4 * 4 + 6 * 2 * 2 + 5 * 2 * 2 + 7);
    for (int alternating = 0; alternating < 2; alternating++) {
        Result r[2];
        for (int reverse = 0; reverse < 2; reverse++) {
            cuda_standin_set("reverse", reverse);
            std::vector<int> icfg = config(batch, 3, 8, 8, layers, alternating, 0, EQP_HALF_HARD_SIGMOID);
            float fcfg[2] = {0.0f, 1.0f};
            long long s = session_create(icfg.data(), fcfg);
            if (s < 0) {
                verdict("create conv session", false, last_error());
                return;
            }
            r[reverse] = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, classes, rw, rb, 0.5f, 30, 10, 0.0f,
                                 (size_t)batch * 7, stateSize);
            verdict(std::string("conv iteration ") + (alternating ? "alternating" : "synchronous")
                            + (reverse ? " (reverse order)" : ""), r[reverse].code == 0, r[reverse].code ? last_error() : "");
            // a second iteration: nothing allocated, only the minibatch and the parameters go up
            long long before[6] = {0}, after[6] = {0};
            session_counters(s, before);
            Result again = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, classes, rw, rb, 0.5f, 30, 10, 0.0f,
                                   (size_t)batch * 7, stateSize);
            session_counters(s, after);
            long long up = after[0] - before[0];
            long long expectedUp = (long long)(x.size() + params.size() + labels.size() + rw.size() + rb.size()) * 4;
            char d[160];
            std::snprintf(d, sizeof d, "(h2d %lld B, expected %lld; allocations %lld; d2h %lld B)", up, expectedUp,
                          after[2] - before[2], after[1] - before[1]);
            verdict("conv iteration: no allocation, h2d = minibatch + parameters + force", after[2] == before[2]
                    && up == expectedUp, d);
            typedef int (*Stats)(long long*);
            Stats stats = reinterpret_cast<Stats>(Device::primary().symbol("eqp_standin_stats"));
            const char* graphsEnv = std::getenv("EQPROP_CUDA_GRAPHS");
            // library calls cannot read the stop flag: those sessions poll instead of replaying graphs
            bool graphs = !(graphsEnv && std::string(graphsEnv) == "0") && session_libraries(s) == 0;
            if (stats && reverse == 0) {
                long long st[6];
                stats(st);
                static long long lastGraphLaunches = 0;
                char g[96];
                std::snprintf(g, sizeof g, "(%lld graph launches so far, %lld launches per iteration)", st[5],
                              after[4] - before[4]);
                verdict(graphs ? "conv iteration: the steps replay CUDA graphs"
                               : "conv iteration: no graphs (off, or library products)",
                        graphs ? st[5] > lastGraphLaunches : st[5] == 0, g);
                lastGraphLaunches = st[5];
            }
            close("conv iteration repeated gives the same gradient", again.grad, r[reverse].grad, 0);
            session_destroy(s);
        }
        cuda_standin_set("reverse", 0);
        close(std::string("conv blocks/threads reversed: same free states (") + (alternating ? "alt" : "sync") + ")",
              r[1].free, r[0].free, 1e-6);
        close(std::string("conv blocks/threads reversed: same gradient (") + (alternating ? "alt" : "sync") + ")",
              r[1].grad, r[0].grad, 1e-5);
    }
    if (!faults) return;
    std::vector<int> icfg = config(batch, 3, 8, 8, layers, 0, 0, EQP_HALF_HARD_SIGMOID);
    float fcfg[2] = {0.0f, 1.0f};
    long long s = session_create(icfg.data(), fcfg);
    int gen = cuda_generation();
    cuda_standin_inject(1, 7);
    Result bad = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, classes, rw, rb, 0.5f, 30, 10, 0.0f,
                         (size_t)batch * 7, stateSize);
    std::string why = last_error();
    verdict("an injected launch failure returns -2 and resets the context", bad.code == -2 && cuda_generation() == gen + 1,
            "(" + why + ")");
    Result stale = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, classes, rw, rb, 0.5f, 30, 10, 0.0f,
                           (size_t)batch * 7, stateSize);
    verdict("the old session reports that its memory is gone", stale.code == -2, last_error());
    session_destroy(s);
    s = session_create(icfg.data(), fcfg);
    Result fresh = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, classes, rw, rb, 0.5f, 30, 10, 0.0f,
                           (size_t)batch * 7, stateSize);
    verdict("a new session after the reset works", fresh.code == 0, fresh.code ? last_error() : "");
    session_destroy(s);
    cuda_standin_inject(2, 3);
    s = session_create(icfg.data(), fcfg);
    verdict("an allocation failure makes session_create fail cleanly", s < 0, last_error());
    s = session_create(icfg.data(), fcfg);
    verdict("and the next session is fine", s > 0, s > 0 ? "" : last_error());
    session_destroy(s);
    // a kernel that writes one float past the end of its buffer: the stand-in's canary catches it
    Device& dev = Device::primary();
    CUdeviceptr src = dev.alloc(11 * 4), dst = dev.alloc(10 * 4);
    std::vector<float> ones(11, 1.0f);
    dev.upload(src, ones.data(), 11 * 4);
    EqpScaleParams overrun{11, 2.0f, reinterpret_cast<const float*>(src), reinterpret_cast<float*>(dst)};
    bool launched = dev.launch("eqp_scale", dim3(1), 0, &overrun);
    verdict("a write past the end of an allocation is caught (illegal address)", !launched
            && dev.error.find("(700)") != std::string::npos, "(" + dev.error + ")");
    s = session_create(icfg.data(), fcfg);
    verdict("and the device works again after the reset", s > 0, s > 0 ? "" : last_error());
    session_destroy(s);
}

/** The products on cuDNN and cuBLAS (the stand-ins, or the real ones on a GPU) against the own kernels. */
void vendorRoutes() {
    bool dnnEnv = std::getenv("EQPROP_CUDNN") != 0, blasEnv = std::getenv("EQPROP_CUBLAS") != 0;
    int batch = 5;
    std::vector<LayerSpec> conv = {{1, 4, 3, 1, 1, 2, EQP_POOL_MAX}, {1, 6, 3, 1, 1, 2, EQP_POOL_AVG},
                                   {0, 7, 1, 1, 0, 1, EQP_POOL_NONE}};
    std::vector<LayerSpec> dense = {{0, 15, 1, 1, 0, 1, EQP_POOL_NONE}, {0, 11, 1, 1, 0, 1, EQP_POOL_NONE},
                                    {0, 7, 1, 1, 0, 1, EQP_POOL_NONE}};
    struct Case {
        const char* name;
        std::vector<LayerSpec> layers;
        int c, h, w;
        size_t params, states;
        double bound;
        int expect;   // session_libraries with the libraries on
    } cases[] = {
            {"conv chain", conv, 3, 8, 8, (size_t)(4 * 3 * 9 + 4 + 6 * 4 * 9 + 6 + 6 * 2 * 2 * 7 + 7),
             (size_t)batch * (4 * 16 + 6 * 4 + 7), 1e-4, (dnnEnv ? 1 : 0) | (blasEnv ? 2 : 0)},
            {"dense layered chain", dense, 20, 1, 1, (size_t)(20 * 15 + 15 + 15 * 11 + 11 + 11 * 7 + 7),
             (size_t)batch * 33, 1e-5, blasEnv ? 2 : 0}};
    for (Case& c : cases) {
        std::vector<float> params = uniform(c.params, -0.5f, 0.5f), x = uniform((size_t)batch * c.c * c.h * c.w, 0, 1);
        std::vector<float> labels = oneHot(batch, 3), rw = uniform(7 * 3, -0.5f, 0.5f), rb = uniform(3, -0.1f, 0.1f);
        Result r[2];
        for (int on = 0; on < 2; on++) {
            cuda_use_vendor_libraries(on);
            std::vector<int> icfg = config(batch, c.c, c.h, c.w, c.layers, 0, 2, EQP_HALF_HARD_SIGMOID);
            float fcfg[2] = {0.0f, 1.0f};
            long long s = session_create(icfg.data(), fcfg);
            if (s < 0) {
                verdict(std::string("create ") + c.name, false, last_error());
                continue;
            }
            int libs = session_libraries(s);
            char what[512];
            session_describe(s, what, sizeof what);
            verdict(std::string(c.name) + (on ? ": the libraries route" : ": the own kernels route"),
                    libs == (on ? c.expect : 0), std::string("(") + what + ")");
            r[on] = iterate(s, x, params, EQP_FORCE_SOFTMAX, labels, 3, rw, rb, 0.5f, 15, 5, 1e-5f, (size_t)batch * 7,
                            c.states);
            if (r[on].code) verdict(std::string(c.name) + " iteration", false, last_error());
            session_destroy(s);
        }
        cuda_use_vendor_libraries(-1);
        close(std::string(c.name) + ": libraries gradient = own kernels gradient", r[1].grad, r[0].grad, c.bound);
        close(std::string(c.name) + ": libraries free states = own kernels free states", r[1].free, r[0].free,
              c.bound);
    }
}

/** A layered conv chain with its steps replayed from CUDA graphs gives what the same steps launched one by one give. */
void graphsAgree() {
    int batch = 4;
    std::vector<LayerSpec> layers = {{1, 4, 3, 1, 1, 2, EQP_POOL_MAX}, {1, 6, 3, 1, 1, 2, EQP_POOL_MAX},
                                     {1, 5, 1, 1, 0, 1, EQP_POOL_NONE}, {0, 7, 1, 1, 0, 1, EQP_POOL_NONE}};
    size_t params = (size_t)(4 * 3 * 9 + 4 + 6 * 4 * 9 + 6 + 5 * 6 + 5 + 5 * 2 * 2 * 7 + 7);
    size_t states = (size_t)batch * (4 * 16 + 6 * 4 + 5 * 4 + 7);
    std::vector<float> p = uniform(params, -0.5f, 0.5f), x = uniform((size_t)batch * 3 * 64, 0, 1);
    std::vector<float> labels = oneHot(batch, 3), rw = uniform(7 * 3, -0.5f, 0.5f), rb = uniform(3, -0.1f, 0.1f);
    cuda_use_vendor_libraries(0);
    for (int alternating = 0; alternating < 2; alternating++) {
        for (float tol : {0.0f, 1e-4f}) {
            Result r[2];
            for (int graphs = 0; graphs < 2; graphs++) {
                cuda_use_graphs(graphs);
                std::vector<int> icfg = config(batch, 3, 8, 8, layers, alternating, 2, EQP_HALF_HARD_SIGMOID);
                float fcfg[2] = {0.0f, 1.0f};
                long long s = session_create(icfg.data(), fcfg);
                r[graphs] = iterate(s, x, p, EQP_FORCE_SOFTMAX, labels, 3, rw, rb, 0.5f, 21, 7, tol,
                                    (size_t)batch * 7, states);
                if (r[graphs].code) verdict("graphs iteration", false, last_error());
                session_destroy(s);
            }
            char name[128];
            std::snprintf(name, sizeof name, "graphs = step by step (%s, tol %g)",
                          alternating ? "alternating" : "synchronous", tol);
            close(std::string(name) + " free states", r[1].free, r[0].free, 0);
            close(std::string(name) + " nudged states", r[1].minus, r[0].minus, 0);
            close(std::string(name) + " gradient", r[1].grad, r[0].grad, 0);
            verdict(std::string(name) + " steps", r[1].stats[0] == r[0].stats[0] && r[1].stats[4] == r[0].stats[4]
                    && r[1].stats[8] == r[0].stats[8], "");
        }
    }
    cuda_use_graphs(1);
    cuda_use_vendor_libraries(-1);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: session_check FATBIN [--faults]\n");
        return 2;
    }
    bool faults = argc > 2 && std::string(argv[2]) == "--faults";
    int info[5];
    if (cuda_probe(info) < 1) {
        std::printf("no device: %s\n", last_error());
        return 3;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::vector<char> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (image.empty() || cuda_load_module(reinterpret_cast<const signed char*>(image.data()), (long long)image.size())) {
        std::printf("cannot load %s: %s\n", argv[1], last_error());
        return 1;
    }
    denseModesAgree();
    convChain(faults);
    vendorRoutes();
    graphsAgree();
    std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}
