"""SMS backends: transports that turn one prepared message into a SendResult."""
