"""Memory: bytes per element of each dtype, and what a layer's output holds.

The one place the sizes are written; renderers and the CLI's --dtype read them here.
"""

# bytes per element, as torch.finfo/iinfo(dtype).bits // 8
DTYPES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def activation_bytes(row, batch: int = 1, dtype: str = "float32") -> int:
    """The bytes of a row's output activations: neurons x batch x bytes per element.

    A group row's neurons are the sum over its layers, so its bytes are theirs together."""
    return row.neurons * batch * DTYPES[dtype]
