// check_data.h: what the native checkers (gpu_check.cpp, session_check.cpp) share: seeded random arrays and the
// relative error they compare with.
#ifndef EQP_CHECK_DATA_H
#define EQP_CHECK_DATA_H

#include <cmath>
#include <random>
#include <vector>

namespace check {

/** n values uniform in [lo, hi) from g. */
inline std::vector<float> uniform(std::mt19937& g, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(g);
    return v;
}

/** One-hot rows [batch, classes] with a random class each. */
inline std::vector<float> oneHot(std::mt19937& g, int batch, int classes) {
    std::vector<float> v((size_t)batch * classes, 0.0f);
    for (int e = 0; e < batch; e++) v[(size_t)e * classes + g() % classes] = 1.0f;
    return v;
}

/** ‖a − b‖ / ‖b‖ in double (‖a − b‖ when b is zero); infinity when sizes differ or a value is not finite. */
inline double relError(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); i++) {
        if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return INFINITY;
        double d = (double)a[i] - b[i];
        num += d * d;
        den += (double)b[i] * b[i];
    }
    return den == 0 ? std::sqrt(num) : std::sqrt(num / den);
}

}  // namespace check

#endif
