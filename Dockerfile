# The ItkWasmCluster silo image: the silo host (itkwasm-silo, configured by ITKWASM_SILO_* variables), the .NET and
# ASP.NET Core runtimes, Node.js and the ITK-Wasm npm packages for the Emscripten pipelines.
#   docker build -t itkwasm-cluster:0.1.0 .
# It runs as a non-root user on a read-only root file system: it writes only to /tmp and to the module cache
# (/var/cache/itkwasm), which Kubernetes mounts as volumes (k8s/base/deployment.yaml).

# The npm packages, installed from package-lock.json without their install scripts.
FROM node:20.19-bookworm-slim AS npm
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

# The silo, published framework-dependent (the runtime image supplies .NET).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY ItkWasm/ ItkWasm/
COPY Accelerated/ Accelerated/
COPY Storage/ Storage/
COPY Grains/ Grains/
COPY Silo/ Silo/
RUN dotnet publish Silo/ItkWasmCluster.Silo.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
COPY --from=npm /usr/local/bin/node /usr/local/bin/node
COPY --from=npm /src/node_modules /app/node_modules
COPY --from=build /app /app
WORKDIR /app
ENV ITKWASM_NODE_MODULES=/app/node_modules \
    ITKWASM_CACHE_DIR=/var/cache/itkwasm \
    ITKWASM_SILO_URLS=http://0.0.0.0:8080 \
    DOTNET_gcServer=1
# The runtime image's unprivileged user.
USER $APP_UID
EXPOSE 8080 11111 30000
ENTRYPOINT ["dotnet", "itkwasm-silo.dll"]
