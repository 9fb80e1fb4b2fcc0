# carrello: one image for the API/collector (`carrello start`) and the ingest workers (`carrello ingest`).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
USER node
ENTRYPOINT ["node", "bin/carrello.js"]
CMD ["start"]
