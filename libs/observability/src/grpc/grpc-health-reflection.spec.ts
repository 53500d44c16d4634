import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import {
  addGrpcHealthAndReflection,
  GrpcHealthControl,
  UnknownGrpcServiceError,
} from './grpc-health-reflection';

const ECHO = 'test.echo.v1.Echo';
const echoDefinition = loadSync(join(__dirname, 'fixtures', 'echo.proto'), { keepCase: true });

type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res?: Res) => void) => void;
interface HealthClient extends grpc.Client {
  Check: Unary<{ service: string }, { status: string }>;
}
interface ListServicesReply {
  list_services_response?: { service: { name: string }[] };
}
interface ReflectionClient extends grpc.Client {
  ServerReflectionInfo(): grpc.ClientDuplexStream<object, ListServicesReply>;
}

function clientConstructor(protoPath: string, packagePath: string[]): grpc.ServiceClientConstructor {
  const loaded = grpc.loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String }));
  return packagePath.reduce<grpc.GrpcObject>(
    (node, key) => node[key] as grpc.GrpcObject,
    loaded,
  ) as unknown as grpc.ServiceClientConstructor;
}

const reflectionProto = join(
  require.resolve('@grpc/reflection'),
  '..',
  '..',
  'proto',
  'grpc',
  'reflection',
  'v1',
  'reflection.proto',
);

describe('addGrpcHealthAndReflection over a loopback grpc-js server', () => {
  let server: grpc.Server;
  let control: GrpcHealthControl;
  let address: string;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    server = new grpc.Server();
    const echo = echoDefinition[ECHO] as grpc.ServiceDefinition;
    server.addService(echo, {
      Say: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { text: call.request.text }),
    });
    control = addGrpcHealthAndReflection(server, echoDefinition, [ECHO]);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  function healthClient(): HealthClient {
    const Health = clientConstructor(healthProtoPath, ['grpc', 'health', 'v1', 'Health']);
    const client = new Health(address, grpc.credentials.createInsecure()) as unknown as HealthClient;
    clients.push(client);
    return client;
  }

  const check = (client: HealthClient, service: string) =>
    new Promise<string>((resolve, reject) =>
      client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))),
    );

  it('starts NOT_SERVING, then follows setServing and setNotServing', async () => {
    const client = healthClient();
    expect(await check(client, '')).toBe('NOT_SERVING');
    control.setServing();
    expect(await check(client, '')).toBe('SERVING');
    expect(await check(client, ECHO)).toBe('SERVING');
    control.setNotServing();
    expect(await check(client, ECHO)).toBe('NOT_SERVING');
    expect(await check(client, '')).toBe('NOT_SERVING');
  });

  it('answers NOT_FOUND for a service it does not know', async () => {
    await expect(check(healthClient(), 'nope.v1.Nothing')).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('lists the application and health services through reflection', async () => {
    const Reflection = clientConstructor(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection']);
    const client = new Reflection(address, grpc.credentials.createInsecure()) as unknown as ReflectionClient;
    clients.push(client);
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (res: ListServicesReply) => {
        resolve((res.list_services_response?.service ?? []).map((s) => s.name));
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ list_services: '*' });
    });
    expect(names).toEqual(expect.arrayContaining([ECHO, 'grpc.health.v1.Health']));
  });

  it('refuses service names that are not in the package definition', () => {
    expect(() =>
      addGrpcHealthAndReflection(new grpc.Server(), echoDefinition, ['test.echo.v1.Typo']),
    ).toThrow(UnknownGrpcServiceError);
  });
});
