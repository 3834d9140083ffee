import grpc
from tokaroo_common.errors import (
    AuthenticationFailed,
    InsufficientBalance,
    InternalError,
    ModelNotFound,
    NotFound,
    ServiceUnavailable,
    from_grpc,
)


def test_openai_shape() -> None:
    body = ModelNotFound("no such model", param="model").to_openai()
    assert body == {
        "error": {
            "message": "no such model",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }
    assert ModelNotFound.status == 404
    assert AuthenticationFailed.status == 401
    assert InsufficientBalance.status == 402


def test_grpc_round_trip() -> None:
    assert isinstance(from_grpc(grpc.StatusCode.NOT_FOUND, "x"), NotFound)
    assert isinstance(from_grpc(grpc.StatusCode.UNAVAILABLE, "db down"), ServiceUnavailable)
    err = from_grpc(grpc.StatusCode.INTERNAL, "secret internals")
    assert isinstance(err, InternalError)
    assert "secret" not in err.message


def test_exact_code_survives_grpc() -> None:
    err = from_grpc(grpc.StatusCode.NOT_FOUND, "no model", "model_not_found")
    assert isinstance(err, ModelNotFound) and err.message == "no model"
