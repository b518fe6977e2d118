import {Context} from "zocket"

import {Broker} from "./broker.js"
import {Worker} from "./worker.js"

async function sleep(msec: number) {
  return new Promise(resolve => {
    setTimeout(resolve, msec)
  })
}

class SodaWorker extends Worker {
  override service = "soda"

  override async process(...msgs: Buffer[]): Promise<Buffer[]> {
    await sleep(Math.random() * 300)
    return msgs
  }
}

class TeaWorker extends Worker {
  override service = "tea"

  override async process(...msgs: Buffer[]): Promise<Buffer[]> {
    await sleep(Math.random() * 500)
    return msgs
  }
}

class CoffeeWorker extends Worker {
  override service = "coffee"

  override async process(...msgs: Buffer[]): Promise<Buffer[]> {
    await sleep(Math.random() * 200)
    return msgs
  }
}

const broker = new Broker()

async function request(
  service: string,
  ...req: string[]
): Promise<undefined | Buffer[]> {
  const socket = new Context().socket("REQ", {receiveTimeout: 2000})
  socket.connect(broker.address)

  console.log(`requesting '${req.join(", ")}' from '${service}'`)
  await socket.send(["MDPC01", service, ...req])

  try {
    const [_blank, _header, ...res] = await socket.recv()
    console.log(`received '${res.join(", ")}' from '${service}'`)
    return res
  } catch (err) {
    console.log(`timeout expired waiting for '${service}'`, err)
  } finally {
    socket.close()
  }
}

async function main() {
  broker.address = await broker.socket.bind("tcp://127.0.0.1:*")
  const workers = [
    new SodaWorker(broker.address),
    new TeaWorker(broker.address),
    new CoffeeWorker(broker.address),
    new TeaWorker(broker.address),
  ]
  const _started = Promise.all([
    // start the broker
    broker.start(),
    // start the workers
    ...workers.map(worker => worker.start()),
  ])

  console.log("---------- Started -----------")

  /* Requests are issued in parallel. */
  await Promise.all([
    request("soda", "cola"),
    request("tea", "oolong"),
    request("tea", "sencha"),
    request("tea", "earl grey", "with milk"),
    request("tea", "jasmine"),
    request("coffee", "cappuccino"),
    request("coffee", "latte", "with soy milk"),
    request("coffee", "espresso"),
    request("coffee", "irish coffee"),
  ])

  console.log("---------- Stopping -----------")

  await Promise.all([
    // stop the broker
    broker.stop(),
    // stop the workers
    ...workers.map(worker => worker.stop()),
  ])
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
