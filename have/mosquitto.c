#include <mosquitto.h>
#include <openssl/ssl.h>

int
main(void)
{
	struct mosquitto	*m;
	SSL_CTX			*ctx;

	mosquitto_lib_init();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return 1;
	if ((m = mosquitto_new("probe", 1, NULL)) == NULL)
		return 1;
	(void)mosquitto_void_option(m, MOSQ_OPT_SSL_CTX, ctx);
	(void)mosquitto_socket(m);
	(void)mosquitto_want_write(m);
	mosquitto_destroy(m);
	SSL_CTX_free(ctx);
	return LIBMOSQUITTO_MAJOR < 2;
}
