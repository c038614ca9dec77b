import { defineRecipe, download, service, shell, template } from 'tnbuild';

// The TrustNet CometBFT validator. CometBFT publishes static (CGO_ENABLED=0) binaries; the archive holds
// `cometbft` at its root next to LICENSE and README.md.
const version = '0.38.17';
const asset = (goarch: string) =>
  `https://github.com/cometbft/cometbft/releases/download/v${version}/cometbft_${version}_linux_${goarch}.tar.gz`;
const home = '/home/warden/.cometbft';

export default defineRecipe({
  description: `CometBFT ${version} validator: RPC 26657, P2P 26656, blocks under 1 s, user warden, fd10:1234::1`,
  source: { type: 'parent', recipe: 'base' },
  machine: { cpus: 4, memory: '8G', disk: '50G' },
  vars: {
    home,
    moniker: 'trustnet-node',
    proxyApp: 'persistent_kvstore',
    rpcLaddr: 'tcp://0.0.0.0:26657',
    p2pLaddr: 'tcp://0.0.0.0:26656',
    // CometBFT's default is 1s; a shorter commit timeout gives sub-second blocks on one validator.
    timeoutPropose: '500ms',
    timeoutCommit: '300ms',
  },
  users: [{ user: 'warden', shell: '/bin/sh' }],
  network: { ula: 'fd10:1234::1' },
  ports: [
    { name: 'ssh', guest: 22, host: 2222 },
    { name: 'rpc', guest: 26657, host: 26657 },
    { name: 'p2p', guest: 26656, host: 26656 },
  ],
  steps: [
    download(
      {
        url: { aarch64: asset('arm64'), x86_64: asset('amd64') },
        checksum: {
          aarch64: 'sha256:5a6a4bf655a84d9463932ff93ac373ea68327c14c26d65a497a3907c45c65144',
          x86_64: 'sha256:ca4d7ca0df296e092462edc92a3f07a4cd1e6c0366516e382a0726b522806f38',
        },
      },
      '/usr/local/bin',
      { name: `install cometbft ${version}`, extract: 'tar.gz', include: ['cometbft'], notify: ['cometbft'] },
    ),
    shell(`/usr/local/bin/cometbft init --home ${home}`, {
      name: 'initialise the validator as warden',
      user: 'warden',
      creates: `${home}/config/genesis.json`,
    }),
    template(`${home}/config/config.toml`, 'files/cometbft-config.toml.hbs', {
      owner: 'warden',
      mode: '0600',
      notify: ['cometbft'],
    }),
    service('cometbft', {
      define: {
        description: 'CometBFT validator',
        command: '/usr/local/bin/cometbft',
        args: ['start', '--home', home],
        user: 'warden',
        directory: '/home/warden',
      },
    }),
  ],
  checks: [
    { type: 'port', name: 'RPC listens on 26657', port: 26657 },
    { type: 'port', name: 'P2P listens on 26656', port: 26656 },
    { type: 'http', name: 'RPC /status answers', port: 26657, path: '/status' },
    {
      type: 'command',
      name: 'blocks come faster than one a second',
      run: 'a=$(wget -qO- http://127.0.0.1:26657/status | grep -o \'"latest_block_height":"[0-9]*"\' | grep -o "[0-9][0-9]*"); sleep 5; b=$(wget -qO- http://127.0.0.1:26657/status | grep -o \'"latest_block_height":"[0-9]*"\' | grep -o "[0-9][0-9]*"); echo "blocks in 5s: $((b - a))"',
      expect: 'blocks in 5s: ([6-9]|[1-9][0-9]+)$',
    },
  ],
  vm: {
    name: 'trustnet-node',
    user: 'warden',
    // Each clone is its own single-validator chain: fresh node key, validator key and genesis.
    firstBoot: [
      `rm -rf ${home}/config/node_key.json ${home}/config/priv_validator_key.json ${home}/config/genesis.json ${home}/data`,
      `su warden -s /bin/sh -c '/usr/local/bin/cometbft init --home ${home}'`,
    ],
  },
});
