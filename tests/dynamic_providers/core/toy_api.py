"""The toy API that the base-provider tests' providers talk to (served, where a test needs it, by core_http_stub)."""
from dynamic_providers.core import ApiSettings

TOY = ApiSettings(name="Toy", url_config_key="procurement:toyApiUrl", url_env="TOY_API_URL",
                  default_url="http://127.0.0.1:9/v1", token_env="TOY_API_KEY")
