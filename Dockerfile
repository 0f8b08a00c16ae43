# mediabank: the server, with ffmpeg for video posters and durations.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/mediabank ./cmd/mediabank

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/mediabank --create-home mediabank
COPY --from=build /out/mediabank /usr/local/bin/mediabank
USER mediabank
WORKDIR /var/lib/mediabank
ENV MEDIABANK_DATA=/var/lib/mediabank
EXPOSE 8080
ENTRYPOINT ["mediabank"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--mount-root", "/media", "--watch", "/uploads=*"]
