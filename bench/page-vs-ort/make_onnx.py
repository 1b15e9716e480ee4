"""Writes a latentlab face decoder export as an ONNX graph, from the export itself.

    python make_onnx.py WEIGHTS_DIR OUT.onnx

WEIGHTS_DIR holds `manifest.json` and `model.safetensors` (`latentlab export`); the
graph is the conv decoder of crates/model/src/conv.rs, `decode_logits` then the
sigmoid the page shows: dense, BatchNorm + LeakyReLU, reshape, then per block a
transposed conv (3x3, stride 2, padding 1, output padding 1), BatchNorm (inference:
running statistics) and LeakyReLU, and a 3x3 output conv. Input `z [n, latent]`,
output `pixels [n, channels, h, w]` in [0, 1].
"""

import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# burn's BatchNormConfig default; the export does not store it.
EPSILON = 1e-5


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    return tensors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    weights_dir, out = sys.argv[1], sys.argv[2]
    with open(f"{weights_dir}/manifest.json") as f:
        manifest = json.load(f)
    model = manifest["model"]
    if model["kind"] != "conv" or not model["config"].get("batch_norm"):
        sys.exit(f"{weights_dir}: only the conv decoder with BatchNorm (celeba-vae) is written")
    config = model["config"]
    slope = float(config["negative_slope"])
    filters = config["filters"]
    side = config["image_size"] >> len(filters)
    t = read_safetensors(f"{weights_dir}/{manifest['weights_file']}")

    nodes, inits = [], []

    def const(name, array, dtype=np.float32):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=dtype), name))
        return name

    def norm_act(x, prefix, out_name):
        args = [x] + [const(f"{prefix}.{p}", t[f"{prefix}.{p}"]) for p in
                      ("gamma", "beta", "running_mean", "running_var")]
        nodes.append(helper.make_node("BatchNormalization", args, [out_name + "_bn"], epsilon=EPSILON))
        nodes.append(helper.make_node("LeakyRelu", [out_name + "_bn"], [out_name], alpha=slope))
        return out_name

    # burn's Linear stores weight [in, out]: x . W + b.
    nodes.append(helper.make_node("Gemm", ["z", const("decoder_input.weight", t["decoder_input.weight"]),
                                           const("decoder_input.bias", t["decoder_input.bias"])], ["dense"]))
    x = norm_act("dense", "decoder_input_norm", "dense_act")
    nodes.append(helper.make_node("Reshape", [x, const("shape", [-1, filters[-1], side, side], np.int64)], ["grid0"]))
    x = "grid0"
    for i in range(len(filters)):
        # burn's ConvTranspose2d weight is [in, out, k, k], as ONNX's.
        nodes.append(helper.make_node(
            "ConvTranspose",
            [x, const(f"decoder_convs.{i}.weight", t[f"decoder_convs.{i}.weight"]),
             const(f"decoder_convs.{i}.bias", t[f"decoder_convs.{i}.bias"])],
            [f"up{i}"], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1], kernel_shape=[3, 3]))
        x = norm_act(f"up{i}", f"decoder_norms.{i}", f"up{i}_act")
    nodes.append(helper.make_node("Conv", [x, const("output_conv.weight", t["output_conv.weight"]),
                                           const("output_conv.bias", t["output_conv.bias"])],
                                  ["logits"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]))
    nodes.append(helper.make_node("Sigmoid", ["logits"], ["pixels"]))

    channels, size, latent = config["channels"], config["image_size"], config["latent_dim"]
    graph = helper.make_graph(
        nodes, "latentlab-decoder",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n", latent])],
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", channels, size, size])],
        inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="latentlab bench/page-vs-ort")
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    onnx.save(proto, out)
    print(f"wrote {out}: {len(nodes)} nodes from {weights_dir}")


if __name__ == "__main__":
    main()
