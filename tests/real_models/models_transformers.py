"""transformers models built from small configs with random weights (never from_pretrained)."""

import _packages

_packages.prepare()

import torch  # noqa: E402
import transformers  # noqa: E402

import migrate  # noqa: E402


def _tokens(batch, length, vocab=99, seed=0):
    return torch.randint(0, vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


def _bert_like(config_class, model_class, **extra):
    config = config_class(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                          intermediate_size=37, max_position_embeddings=64, **extra)
    return model_class(config).eval()


@migrate.target(name="hf.Bert")
def bert():
    model = _bert_like(transformers.BertConfig, transformers.BertModel)
    return migrate.Target(model, (_tokens(2, 7),), check_inputs=[(_tokens(3, 11, seed=1),)])


@migrate.target(name="hf.DistilBert")
def distilbert():
    config = transformers.DistilBertConfig(vocab_size=99, dim=32, n_layers=2, n_heads=2, hidden_dim=37,
                                           max_position_embeddings=64)
    model = transformers.DistilBertModel(config).eval()
    return migrate.Target(model, (_tokens(2, 7),), check_inputs=[(_tokens(3, 11, seed=1),)])


@migrate.target(name="hf.Bert+mask")
def bert_with_mask():
    model = _bert_like(transformers.BertConfig, transformers.BertModel)
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, 5:] = 0
    return migrate.Target(model, (_tokens(2, 7),), kwargs={"attention_mask": mask})


def _gpt2(use_cache):
    config = transformers.GPT2Config(vocab_size=99, n_embd=32, n_layer=2, n_head=2, n_positions=64, use_cache=use_cache)
    return transformers.GPT2Model(config).eval()


@migrate.target(name="hf.GPT2")
def gpt2():
    return migrate.Target(_gpt2(use_cache=True), (_tokens(2, 7),), check_inputs=[(_tokens(3, 11, seed=1),)])


@migrate.target(name="hf.GPT2-no-cache")
def gpt2_no_cache():
    return migrate.Target(_gpt2(use_cache=False), (_tokens(2, 7),), check_inputs=[(_tokens(3, 11, seed=1),)])


@migrate.target(name="hf.T5-no-cache")
def t5():
    config = transformers.T5Config(vocab_size=99, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_decoder_layers=2,
                                   num_heads=2, use_cache=False, decoder_start_token_id=0)
    model = transformers.T5Model(config).eval()
    return migrate.Target(model, (_tokens(2, 7),), kwargs={"decoder_input_ids": _tokens(2, 5, seed=2)})


@migrate.target(name="hf.ViT")
def vit():
    config = transformers.ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                                    num_attention_heads=2, intermediate_size=37)
    model = transformers.ViTModel(config, add_pooling_layer=False).eval()
    return migrate.Target(model, (torch.rand(2, 3, 32, 32),), check_inputs=[(torch.rand(3, 3, 32, 32),)])
