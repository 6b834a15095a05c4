// What both runners share (bench::run_benchmark): command-line options, the warm-up and timing loop,
// and the JSON line they print. A runner supplies only "load the model" and "run it on these inputs".
//
//   RUNNER MODEL --inputs IN.tensors [--outputs OUT.tensors] [--threads N] [--warmup N] [--iters N] [--seed N]
//
// --seed N reseeds torch's CPU generator before every call (outside the timed region), so a model that
// samples (torch.multinomial, dropout in train mode) draws what Python draws after torch.manual_seed(N).
//
// Success: exit 0 and one line
//   {"runner": "...", "load_ms": 3.1, "median_ms": 0.21, "iqr_ms": 0.01, "min_ms": 0.2, "runs": 100, ...}
// Failure: a message on stderr, one line {"runner": "...", "error": STAGE, "message": "..."} on stdout and
// the exit code of the stage: 2 usage, 3 inputs (tensor file), 4 load, 5 run, 6 outputs.
#pragma once

#include "tensor_file.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

struct Options {
  std::string model;
  std::string inputs;
  std::string outputs;  // empty: do not write outputs
  int threads = 1;
  int warmup = 10;
  int iters = 100;
  int64_t seed = -1;  // < 0: do not reseed
};

enum ExitCode { kOk = 0, kUsage = 2, kInputs = 3, kLoad = 4, kRun = 5, kOutputs = 6 };

// Thrown by the runner steps; `stage` names the step in the JSON line ("inputs", "load", "run", ...).
struct Failure {
  ExitCode code;
  std::string stage;
  std::string message;
};

inline std::string json_escape(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out << "\\\""; break;
      case '\\': out << "\\\\"; break;
      case '\n': out << "\\n"; break;
      case '\t': out << "\\t"; break;
      case '\r': out << "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out << buf;
        } else {
          out << c;
        }
    }
  }
  return out.str();
}

// c10::Error messages carry a C++ backtrace; keep only what a user needs.
inline std::string describe(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

inline int parse_count(const std::string& flag, const std::string& value, int minimum) {
  try {
    size_t used = 0;
    const int n = std::stoi(value, &used);
    if (used == value.size() && n >= minimum) return n;
  } catch (const std::exception&) {
  }
  throw Failure{kUsage, "usage", flag + " needs an integer >= " + std::to_string(minimum) + ", got '" + value + "'"};
}

inline int64_t parse_seed(const std::string& value) {
  try {
    size_t used = 0;
    const long long n = std::stoll(value, &used);
    if (used == value.size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  throw Failure{kUsage, "usage", "--seed needs an integer >= 0, got '" + value + "'"};
}

inline Options parse_options(int argc, char** argv) {
  const std::string usage = std::string("usage: ") + argv[0] +
                            " MODEL --inputs FILE [--outputs FILE] [--threads N] [--warmup N] [--iters N] [--seed N]";
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Failure{kUsage, "usage", arg + " needs a value\n" + usage};
      return argv[++i];
    };
    if (arg == "--inputs") o.inputs = value();
    else if (arg == "--outputs") o.outputs = value();
    else if (arg == "--threads") o.threads = parse_count(arg, value(), 1);
    else if (arg == "--warmup") o.warmup = parse_count(arg, value(), 0);
    else if (arg == "--iters") o.iters = parse_count(arg, value(), 1);
    else if (arg == "--seed") o.seed = parse_seed(value());
    else if (arg == "-h" || arg == "--help") throw Failure{kUsage, "usage", usage};
    else if (!arg.empty() && arg[0] == '-') throw Failure{kUsage, "usage", "unknown option " + arg + "\n" + usage};
    else if (o.model.empty()) o.model = arg;
    else throw Failure{kUsage, "usage", "one MODEL only, got a second: " + arg + "\n" + usage};
  }
  if (o.model.empty() || o.inputs.empty()) throw Failure{kUsage, "usage", usage};
  return o;
}

// Linear interpolation between closest ranks (numpy's default), on sorted values.
inline double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

using RunFn = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>&)>;
using LoadFn = std::function<RunFn(const Options&)>;

inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Reads the inputs, loads the model, runs warm-up and timed iterations, writes the last outputs.
inline int run_benchmark(const char* runner, int argc, char** argv, const LoadFn& load) {
  try {
    const Options o = parse_options(argc, argv);
    at::set_num_threads(o.threads);

    std::vector<at::Tensor> inputs;
    try {
      inputs = tensor_file::read(o.inputs);
    } catch (const std::exception& e) {
      throw Failure{kInputs, "inputs", describe(e)};
    }

    const auto load_start = std::chrono::steady_clock::now();
    RunFn run;
    try {
      run = load(o);
    } catch (const std::exception& e) {
      throw Failure{kLoad, "load", o.model + ": cannot load: " + describe(e)};
    }
    const double load_ms = ms_since(load_start);

    c10::InferenceMode inference_mode;  // no autograd bookkeeping while running
    std::vector<at::Tensor> outputs;
    std::vector<double> times_ms;
    try {
      for (int i = 0; i < o.warmup; ++i) {
        if (o.seed >= 0) at::manual_seed(static_cast<uint64_t>(o.seed));
        outputs = run(inputs);
      }
      for (int i = 0; i < o.iters; ++i) {
        if (o.seed >= 0) at::manual_seed(static_cast<uint64_t>(o.seed));
        const auto start = std::chrono::steady_clock::now();
        outputs = run(inputs);
        times_ms.push_back(ms_since(start));
      }
    } catch (const std::exception& e) {
      throw Failure{kRun, "run", o.model + ": run failed: " + describe(e)};
    }

    if (!o.outputs.empty()) {
      try {
        tensor_file::write(o.outputs, outputs);
      } catch (const std::exception& e) {
        throw Failure{kOutputs, "outputs", describe(e)};
      }
    }

    std::sort(times_ms.begin(), times_ms.end());
    std::cout << "{\"runner\": \"" << runner << "\", \"load_ms\": " << load_ms
              << ", \"median_ms\": " << quantile(times_ms, 0.5)
              << ", \"iqr_ms\": " << quantile(times_ms, 0.75) - quantile(times_ms, 0.25)
              << ", \"min_ms\": " << times_ms.front() << ", \"runs\": " << times_ms.size()
              << ", \"warmup\": " << o.warmup << ", \"threads\": " << at::get_num_threads()
              << ", \"outputs\": " << outputs.size() << "}" << std::endl;
    return kOk;
  } catch (const Failure& f) {
    std::cerr << runner << ": " << f.message << std::endl;
    std::cout << "{\"runner\": \"" << runner << "\", \"error\": \"" << f.stage << "\", \"message\": \""
              << json_escape(f.message) << "\"}" << std::endl;
    return f.code;
  }
}

}  // namespace bench
