using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ingestion.Hashing.Internal;

namespace Ingestion.Tests.Hashing;

/// <summary>
/// Pins the canonical form and both hashes of a broad set of payloads: escapes of every kind, Unicode as sent and escaped
/// (surrogate pairs in either case), numbers in every form, nesting, duplicate and out-of-order names at many depths, ignored
/// paths, whitespace, bytes that are not UTF-8, and JSON the reader rejects (hashed as raw bytes). The expected values were
/// written by the canonicaliser as it was before it became a single scan of its own; a stored hash is only ever compared
/// with a new one, so any change here is a data migration.
/// </summary>
public sealed class CanonicalFormGoldenTests
{
    public static TheoryData<string, string[], string?, string, string> Texts => new()
    {
        { "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", [], "{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}", "fa829d0623bb9b3735c457d723da6262", "5f0ed3aa99584ece55439b4a124b1ce79b159e514da6dea24c9f399d82b23a4b" },
        { "{\"s\":\"\\u0000\\u0001\\u001f\\u001F\\u007f\\u0080\\u00ff\"}", [], "{\"s\":\"\\u0000\\u0001\\u001f\\u001f\u007f\u0080\u00ff\"}", "5fed766903035cfe4a942f19d35719aa", "293582be3da0e4ee401e80700875e34dbe9b8e0e1815638ccd22bff671756a16" },
        { "{\"s\":\"\\u0022\\u005c\\u002f\\u0008\\u000c\\u000a\\u000d\\u0009\"}", [], "{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\t\"}", "fa829d0623bb9b3735c457d723da6262", "5f0ed3aa99584ece55439b4a124b1ce79b159e514da6dea24c9f399d82b23a4b" },
        { "[\"\\u00e9\",\"\\u00E9\",\"\u00e9\",\"\\u2028\\u2029\",\"\\uffff\",\"\\uFEFF\"]", [], "[\"\u00e9\",\"\u00e9\",\"\u00e9\",\"\u2028\u2029\",\"\uffff\",\"\ufeff\"]", "7c6fcc6db85e2d54fcc77c656440700d", "55a3fa950fa755b47bb89ba4501de6e75a35a8ed22920513baf78651c27bc704" },
        { "\"tab\\there, quote\\\" and a backslash \\\\ in the middle\"", [], "\"tab\\there, quote\\\" and a backslash \\\\ in the middle\"", "8b3952f9c28cb18db1c3cac5f50bec15", "cb063d581d2dd30d51d3fd0ec8853ff1c022b903db9611b33fcace9fd0efb7fb" },
        { "{\"\\u0061\\u0062\":1,\"\\n\":2,\"\\\"\":3,\"\\\\\":4,\"\\/\":5}", [], "{\"\\n\":2,\"\\\"\":3,\"/\":5,\"\\\\\":4,\"ab\":1}", "fca1607470ad9122b88ff65d6ef78540", "faa3bc2806f32618a295c6e6d31bad2ded8f91ec1048e316e432b691b8967e2d" },
        { "{\"caf\u00e9\":\"\u20ac \u4e2d\u6587 \ud83d\ude00\",\"\u00e9\":1,\"z\":2,\"\ud83d\ude00\":3,\"\u4e2d\":4}", [], "{\"caf\u00e9\":\"\u20ac \u4e2d\u6587 \ud83d\ude00\",\"z\":2,\"\u00e9\":1,\"\u4e2d\":4,\"\ud83d\ude00\":3}", "45703b8ccb9938e5451bab5ca5dbd8f0", "d9b4c0444ef8b59ead691ebb48d6caf9e8e20b37b000047620d06b780c15d68e" },
        { "[\"\\ud83d\\ude00\",\"\\uD83D\\uDE00\",\"\\uD83D\\ude00\",\"x\\ud800\\udc00y\",\"\\udbff\\udfff\"]", [], "[\"\ud83d\ude00\",\"\ud83d\ude00\",\"\ud83d\ude00\",\"x\ud800\udc00y\",\"\udbff\udfff\"]", "6a1111db31c3fa4ebe9e7a11b5a41399", "2924678cd8c0a8927272418fe639e97b6edd937dc2361225e4ff5718457de5a8" },
        { "{\"\\ud83d\\ude00\":1,\"\\uD83D\\uDE00\":2,\"\ud83d\ude00\":0}", [], "{\"\ud83d\ude00\":1,\"\ud83d\ude00\":2,\"\ud83d\ude00\":0}", "50fa46c837eb2b5b52fe9a25aeba8282", "b779ea570c38809d2fdd249e8476c027863b353ee362d0920cf0e232860a9cf2" },
        { "[0,-0,1,-1,1.0,1.50,0.0,-0.0,100,1e3,1E3,1e+3,1E-3,-1.5E-10,0e0,-0.0e+0,12345678901234567890123456789012345678901234567890]", [], "[0,-0,1,-1,1.0,1.50,0.0,-0.0,100,1e3,1E3,1e+3,1E-3,-1.5E-10,0e0,-0.0e+0,12345678901234567890123456789012345678901234567890]", "34381d93f162e01f9b0723ddc7404aac", "324744402e2fa7162aabedfd25ec8b81f29df7e132c0bf929c562695599a231c" },
        { "{\"big\":18446744073709551616,\"small\":-9223372036854775809,\"dec\":0.1000000000000000055511151231257827,\"exp\":1e400,\"neg\":-1e-400}", [], "{\"big\":18446744073709551616,\"dec\":0.1000000000000000055511151231257827,\"exp\":1e400,\"neg\":-1e-400,\"small\":-9223372036854775809}", "e81c1b9cddf3e7b174b534e681ce44e7", "76cec0d9576c8ab62dc77b12cc16d17b06f0ff51565da845a71d1e55ab81f18c" },
        { "3.14159", [], "3.14159", "4e1a6c8efe25f4a14234ed5d5a0398da", "c0740dd25c9de39b9c8d5ab452e8b69bcc0bf86f2a60ed7e527e79d0a3035852" },
        { "-0", [], "-0", "0509cea48cdff5e0773d18eedb6ed630", "ed79f26d03f412bde3db206601a698e0bb451bea9e3cc25289636ac17ea74b0a" },
        { "[true,false,null,[],{},[[]],[{}],{\"a\":{}},{\"a\":[]}]", [], "[true,false,null,[],{},[[]],[{}],{\"a\":{}},{\"a\":[]}]", "bb4d2885938b6f0a56e51a4a7b99104b", "dbead47d277760e920a985eea6df496a48d92d58cd0ae16eb909d1a953725681" },
        { "{\"a\":[{\"c\":1,\"b\":[{\"e\":1,\"d\":[3,2,1]}]},{\"z\":{\"y\":{\"x\":{\"w\":0,\"v\":1}}}}]}", [], "{\"a\":[{\"b\":[{\"d\":[3,2,1],\"e\":1}],\"c\":1},{\"z\":{\"y\":{\"x\":{\"v\":1,\"w\":0}}}}]}", "1f1e7995e28718717f3b47ee8a1bd5ba", "27f4329006d280c9e15c5452879f45fc467e903829c32f329b3d749f6cbb042e" },
        { "[[[[[[[[[[{\"b\":1,\"a\":2}]]]]]]]]]]", [], "[[[[[[[[[[{\"a\":2,\"b\":1}]]]]]]]]]]", "0b8bb903e9de519b7a04b571efe5eeb6", "3ca5d7d5a0490fd53b1c1ef599f8e510b03c939376fe7cfd4d3ba5566fc2852d" },
        { "{\"a\":1,\"a\":2}", [], "{\"a\":1,\"a\":2}", "1c1deebe799394a96a7e119ef3f927be", "1c53ee0df7b12fd4d65b976120c7fa6b847dc41dffd7f0331c3237a1ceab1756" },
        { "{\"a\":2,\"a\":1}", [], "{\"a\":2,\"a\":1}", "4cfb2d42320c2971d16b9957ce0e43b2", "0a082d2d57d1d603fe07c1a425eb5159c7005dd3ef3ec813bcf0bf83d1179bd5" },
        { "{\"b\":1,\"a\":2,\"a\":1,\"A\":0,\"b\":0}", [], "{\"A\":0,\"a\":2,\"a\":1,\"b\":1,\"b\":0}", "a7dd9972b556cd74cee2e03c2e9522dc", "9aa010d711cc10d6fbc3ac8cc9faad45ef4f2a55a82a5acd746ca925377a58ce" },
        { "{\"a\":1,\"\\u0061\":2,\"a\":3}", [], "{\"a\":1,\"a\":2,\"a\":3}", "580fb56cf59f90e21ba11e1a4a7bbe23", "d7e96740ee233c5698bc67d0f4d211f676c109f350a0179ff7ac006864747b63" },
        { "{\"abcdefgh2\":1,\"abcdefgh1\":2,\"abcdefgh\":3,\"abcdefg\":4,\"abcdefgi\":5,\"abcdefgh\\u0000\":6}", [], "{\"abcdefg\":4,\"abcdefgh\":3,\"abcdefgh\\u0000\":6,\"abcdefgh1\":2,\"abcdefgh2\":1,\"abcdefgi\":5}", "dd4b95e6a3f72413ce1604e0746c2ae4", "3b388f894c268900bba4ebf947698bdbe221f2c879acfbe2f3a5c6c46915aea4" },
        { "{\"a\\u0000b\":1,\"a\\u0000\":2,\"a\":3,\"\":4,\"\\u0000\":5}", [], "{\"\":4,\"\\u0000\":5,\"a\":3,\"a\\u0000\":2,\"a\\u0000b\":1}", "65ce1f3057a52160fd400eb3cecf65ea", "53a171051dcc3e021f8b8f4eab41c60bc0b8e17b68a53e1e6bc7b6feb9acbd4c" },
        { "{\"b\":1,\"B\":2,\"a\":3,\"A\":4,\"_\":5,\"0\":6,\"~\":7,\"\u00ff\":8,\"\u0100\":9}", [], "{\"0\":6,\"A\":4,\"B\":2,\"_\":5,\"a\":3,\"b\":1,\"~\":7,\"\u00ff\":8,\"\u0100\":9}", "eea9fda15be7ac855dea1a2a47dd39f5", "8fc22b789d576a03175728f1a1c99a7aca8c5c515eab1bad63526d93fc5c7269" },
        { "{\"z\":{\"y\":{\"x\":1,\"w\":2},\"b\":[{\"d\":1,\"c\":2}]},\"a\":{\"c\":{\"f\":1,\"e\":2},\"b\":0}}", [], "{\"a\":{\"b\":0,\"c\":{\"e\":2,\"f\":1}},\"z\":{\"b\":[{\"c\":2,\"d\":1}],\"y\":{\"w\":2,\"x\":1}}}", "a0febf7c62eed7f6069dfe094c51dbe3", "fd8e50729d0518009bdba12f5ee8ac0d6adeff41cf291373f405b8879af30cd7" },
        { " \t\r\n{ \"b\" : [ 1 , 2 , { \"d\" : 4 , \"c\" : 3 } ] ,\n\t\"a\" : \" x \" } \r\n", [], "{\"a\":\" x \",\"b\":[1,2,{\"c\":3,\"d\":4}]}", "58220cfad682dd2167d53b89e354d088", "a4f59650ea772925226e75e97c7259cccdd6d7622bfa737ef1374f41fde2773f" },
        { "[\n  {\n    \"id\": 1,\n    \"name\": \"one\"\n  },\n  {\n    \"name\": \"two\",\n    \"id\": 2\n  }\n]\n", [], "[{\"id\":1,\"name\":\"one\"},{\"id\":2,\"name\":\"two\"}]", "6e0993e51bceec425a69c304d8cd47a4", "a54616bfe7cf15d80939dd0211caaff426b530b3626c8af661a8461a71c32984" },
        { "\"x\"", [], "\"x\"", "7f8fc1d3fe132fcdbbc5544a8f0ed47d", "ba2df4903a2c14e86dc3bcca58911b44ac1d2514b7227bf6eb08cfb978f55a1b" },
        { "  true  ", [], "true", "f41296b9e2d38ac855a9a1372b7155c1", "b5bea41b6c623f7c09f1bf24dcae58ebab3c0cdd90ad966bc43a45b44867e12b" },
        { "{\"id\":1,\"fetchedAt\":\"2026-01-01T00:00:00Z\",\"meta\":{\"requestId\":\"r1\",\"v\":1},\"@odata.etag\":\"W/1\",\"lines\":[{\"seenAt\":1,\"q\":2},{\"seenAt\":2,\"q\":3}]}", ["fetchedAt", "$.meta.requestId", "$['@odata.etag']", "$.lines[0].seenAt"], "{\"id\":1,\"lines\":[{\"q\":2},{\"q\":3,\"seenAt\":2}],\"meta\":{\"v\":1}}", "978fd83ce0b5d81bf969a96e12001cfa", "56a2bc6d64a05ca4a880522ce8ae74fc862054b070a0c0df15368c4ce72925e1" },
        { "{\"fetchedAt\":1,\"b\":2,\"a\":3}", ["fetchedAt"], "{\"a\":3,\"b\":2}", "674f69d9f62571f4859b181f76e35f0e", "493df656a590967c84d643bdd55ee956fb53262c51b154115083c9bcc4c992e3" },
        { "{\"b\":2,\"a\":3,\"fetchedAt\":1}", ["fetchedAt"], "{\"a\":3,\"b\":2}", "674f69d9f62571f4859b181f76e35f0e", "493df656a590967c84d643bdd55ee956fb53262c51b154115083c9bcc4c992e3" },
        { "{ \"fetchedAt\" : 1 , \"b\" : 2 , \"fetchedAt\" : 3 , \"a\" : 4 }", ["fetchedAt"], "{\"a\":4,\"b\":2}", "318919f4e0fae07bf0db2d0146b5a894", "33f9b9c80b9f8d359af4d06b3f428caf5b228b54901ca289d5dd3201c57cd533" },
        { "{\"fetchedAt\":1}", ["fetchedAt"], "{}", "dc7048f8f8747f561349cde127705c16", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a" },
        { "{\"fetched\\u0041t\":{\"deep\":[1,2,{\"x\":\"\\ud800\"}]},\"k\":1}", ["fetchedAt"], "{\"k\":1}", "cd7a2cbadc1b6e60369614afa4088be3", "a0da1fce57d0e4f9f0ae4e4cbe040d34dcc046255c6c8d18e97f55aaed0655f0" },
        { "{\"meta\":{\"requestId\":\"r\",\"b\":1,\"a\":2},\"requestId\":\"kept\"}", ["$.meta.requestId"], "{\"meta\":{\"a\":2,\"b\":1},\"requestId\":\"kept\"}", "b03a8bd69b380c5eaaaa90656a838a5a", "f159324ef9c829965887f0c3faf9d20ac6a66f852e5ba44d59efcab441b30681" },
        { "{\"lines\":[{\"seenAt\":1},{\"seenAt\":2},{\"seenAt\":3}]}", ["$.lines[1]", "$.lines[0].seenAt"], "{\"lines\":[{},{\"seenAt\":3}]}", "4c3abd66d19a1905e7d8ebce1ea9706e", "d16ef5b7444895a0cc977743cf12090c1fbc575b8b313f237831e12c251d3f74" },
        { "{\"lines\":[1,2,3]}", ["$.lines[0]", "$.lines[1]", "$.lines[2]"], "{\"lines\":[]}", "b1dadd83d0bbd7e77f75f945e65a1e70", "2ffd967f41ac1c7ee43c558109ecb4e86721fff4025f22c2a70aff5fcd0a3e32" },
        { "{\"lines\":[1,2,3]}", ["$.lines[-1]"], "{\"lines\":[1,2,3]}", "df3b11d862c906f4a77fa9106c93aee3", "7bbb5427cb8d71966571d1bf81fd6b9c2bf1ab5b00d6a216d510dd91c235c981" },
        { "[{\"b\":1,\"a\":2},{\"b\":1,\"a\":2}]", ["$[0].a"], "[{\"b\":1},{\"a\":2,\"b\":1}]", "d1d27343b825a2c9d57cd5a34b5fc4a3", "206d301d343fb7063edbea48740dfe24c0f726e4d4705e2602f270585bf622de" },
        { "{\"meta\":[1,{\"x\":1}],\"z\":null}", ["$.meta"], "{\"z\":null}", "310d775f665a82c5e0dab40251d4dca1", "87e7296a151166a05e4441a11d617caa94402a7266d7933179d7bdb14d6ad31d" },
        { "{\"caf\u00e9\":1,\"cafe\":2}", ["$['caf\u00e9']"], "{\"cafe\":2}", "5e505cb47156195b98a9ce370f262f95", "6cbfa3f8aa84c5d5733cc2f0fe05d124555bbc303be4a2672566fce055be62a0" },
        { "", [], null, "99aa06d3014798d86001c324468d497f", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "   ", [], null, "28c32e20dca990174fdbdcd1146ba11c", "0aad7da77d2ed59c396c99a74e49f3a4524dcdbcb5163251b1433d640247aeb4" },
        { "{\"a\":1,}", [], null, "4f9d8f320aaf2e3effad4290b91d3c53", "aa99a5ce3eb0dd8355f0bfb15376ea1d862ad75d0d278af1f8c280ca8c02c640" },
        { "[1,]", [], null, "b39a04d04ebd83c13a33d4f3afbcaa34", "886ad6246ed150b2930495926ba07d579307bc7fecaf4b391650dca8bae7bc66" },
        { "{\"a\":1}{}", [], null, "08a58aedff675fa83252216d0b33c9eb", "a09faa114fe5d1ae713f6705bf9af0fec7002c5fcc1c9a94e080e6e0148badda" },
        { "01", [], null, "1b73ede393477e82d39af2a02494d689", "938db8c9f82c8cb58d3f3ef4fd250036a48d26a712753d2fde5abd03a85cabf4" },
        { "1.", [], null, "5096ffed9af5b7d6d204d8a766d0a301", "c977dbe785221d34114d345fdf8ff4e18bb4af66750751dbea29407f9738735f" },
        { "{'a':1}", [], null, "94a2e9f9d6138f3fdd071f5345f02ec6", "a84fed7e2eca1809b18c96ccd4571e0cef929a290d0108e0f4df368b7227eb5c" },
        { "/* comment */ {}", [], null, "817c69acdbf49be125bed1cbde7cbe81", "5503e3efc77fb340ca220c5630e350c9dcfdd1a8847cebeff4223e216ca61b5d" },
        { "\ufeff{\"a\":1}", [], null, "bf9ef8c81143d51d36ffe941dcaeb106", "e3170108e7583c4ad52e05763a606c1dceef76c81a8e1503dde511b5ca764f81" },
        { "{\"a\":\"\\ud800\"}", [], null, "66a6a81f0f83fa328f2da0311a9d98e5", "89f8ca88ea20e6cd48ed0ab6b731b66377cab0c8fb9a7187ea96ac6813ed24e4" },
        { "{\"a\":\"\\udc00\\ud800\"}", [], null, "a91fb91c1314402801ced091f88e906b", "46acc5e0fc0da140b72735176e327e5b74cbb2ddb5e8d148fe63801f2451d556" },
        { "{\"\\ud83d\":1}", [], null, "92ee4466a92f15c35205093671eca03b", "59d18a7c63e3a1f989c5d5a2d5b2b63b3e448cbc6a88f31d9e721e46bb4dd552" },
        { "{\"a\":\"\\x41\"}", [], null, "90fd7a3df3f13195ba2b2869dfe9671f", "7727009de0edcecf369bd724b26b5c1b2701eb7c4bc9a3565a3f382e27a31c29" },
        { "{\"a\":\"line\nbreak\"}", [], null, "80a664c9c1f7a0c6f9779ebfab8ca6b5", "6a228d5753c221b75c272fbeaa9981952e290a5547075a0d3f30a4e029c2f0cc" },
        { "<html><body>Service Unavailable</body></html>", [], null, "ef0299ff9e008333cdb9a3b27db0d255", "5cc9dc8e7078b36c7908f318e245d7f61dd2a73d2aab57d049fd1db66cf20e64" },
    };

    // Payloads that are not valid UTF-8 (as hex, and their canonical form as hex): a string without escapes is taken as
    // sent; one with an escape is unescaped as the reader does, which rejects bytes that are not UTF-8.
    public static TheoryData<string, string[], string?, string, string> Bytes => new()
    {
        { "22FF22", [], "22FF22", "1ef4163e1b982432128b32a857fb54dc", "2c1ba6ac713bfc21e74f3429be952fca3e7a796734394fd18a48eb6713880d89" },
        { "7B22FF223A2241C3A9FE227D", [], "7B22FF223A2241C3A9FE227D", "76003f2b287eccf7ec0e13d9c2e9b590", "59da7bab6c4d0030fa68f017d9735f522fddf301a33b5c01e17416ebddbd4c43" },
        { "225CFF22", [], null, "ae528774f862109b3b62a0ddc099fb12", "df795c0a1408d2edd1c21488b41ae67150eb1ce31f8c649fc96fc4cac30838bf" },
        { "22C35C753030613922", [], null, "0a638f50bab7e9ca17f92863e79e6990", "68ccb808a243c5d43f5a035c1e90bf873a1b7cd3276fad8bdd3402be85e3f4dd" },
        { "225C6EFF22", [], null, "de9c7a5e66a96382e8b8f7ab4736db7b", "fdc588875733911610c8c678f4f1eb5ab5d8aa65902f40044f63254bf3fb90a9" },
        { "7B22666574636865644174223A225C6EFF222C2261223A317D", ["fetchedAt"], "7B2261223A317D", "3c8c141663acf5a1b6b7137162fa70fb", "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862" },
        { "EFBBBF7B7D", [], null, "3bfd4c241eafd40092a494efe8ca0b2a", "aa25e978046d680ef8740d837e6de5bc1e2a2dc6089dbda1012544b538d53f65" },
    };

    // The benchmark's vendor-like record at three sizes, with and without its two ignored paths: length of the canonical form and both hashes.
    public static TheoryData<int, bool, int, string, string> Records => new()
    {
        { 1000, true, 957, "eaa618f590090219c3cd60c6462dc8bb", "ba00dbd50dbe455e67078adeef325016c92e3c9c44f6f56f21ba363dc20ed671" },
        { 1000, false, 1012, "60e14b873e2eaeea05a9031eb8dcf7c6", "9742525a99c9962ac466419da42a9b47de610429a0b45af0cad8d2ff651f9859" },
        { 10000, true, 9656, "5cfdc5d7e16c96b735bf04e98a1b6e51", "6b9de377b589a638319328e9f2a2732fa1968c67e8c8e51ff16ae41bfec42357" },
        { 10000, false, 9711, "3195d1077dc3ff8148a8192a52f1592e", "0869e3a58e980ee3b8fb6e411c53c2a8b3c06240c59bed71f53dba19cda0b228" },
        { 100000, true, 96848, "54a4dc82e6038bd08bfe4e4d6128fcfa", "6092209b7d047c74e7a4d9f6948df109ccfbf922b4940e569a08386e41e82ce2" },
        { 100000, false, 96903, "6ae2b3147ba197b55d50ae27430e2ac9", "5cf2661893d301b48289d56d3183fb3f36c687e748efe94c37c2f7fd57fec7fe" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void The_canonical_form_and_hashes_of_text_payloads_never_change(string payload, string[] ignored, string? canonical, string xxHash128, string sha256)
    {
        var form = Verify(Encoding.UTF8.GetBytes(payload), ignored, xxHash128, sha256);
        Assert.Equal(canonical, form is null ? null : Encoding.UTF8.GetString(form));
    }

    [Theory]
    [MemberData(nameof(Bytes))]
    public void The_canonical_form_and_hashes_of_payloads_that_are_not_utf8_never_change(string payloadHex, string[] ignored, string? canonicalHex, string xxHash128, string sha256)
    {
        var form = Verify(Convert.FromHexString(payloadHex), ignored, xxHash128, sha256);
        Assert.Equal(canonicalHex, form is null ? null : Convert.ToHexString(form));
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void The_hashes_of_the_benchmark_record_never_change(int size, bool ignoring, int canonicalLength, string xxHash128, string sha256)
    {
        var form = Verify(Encoding.UTF8.GetBytes(BuildRecord(size)), ignoring ? ["fetchedAt", "$.meta.requestId"] : [], xxHash128, sha256);
        Assert.Equal(canonicalLength, form?.Length);
    }

    [Fact]
    public void Whitespace_and_member_order_do_not_change_the_benchmark_record_hash()
    {
        var record = BuildRecord(10_000);
        var sent = Encoding.UTF8.GetBytes(record);
        // Spaces around every separator outside the strings (no string in the record has a quote before a comma or colon).
        var spaced = Encoding.UTF8.GetBytes(record.Replace(",\"", " ,\n\t\"", StringComparison.Ordinal).Replace("\":", "\" : ", StringComparison.Ordinal));
        var hasher = new ContentHasher(ContentHashAlgorithm.Sha256, ["fetchedAt", "$.meta.requestId"]);
        Assert.NotEqual(sent.Length, spaced.Length);
        Assert.Equal("6b9de377b589a638319328e9f2a2732fa1968c67e8c8e51ff16ae41bfec42357", hasher.Compute(spaced).ToHex());
    }

    // Checks both hashes against the pinned values and against each algorithm over the form (or the raw bytes when the
    // payload is not JSON), and returns the form.
    private static byte[]? Verify(byte[] bytes, string[] ignored, string xxHash128, string sha256)
    {
        var form = JsonCanonicalizer.Canonicalize(bytes, [.. ignored.Select(path => JsonPath.Parse(path))]);
        var xx = new ContentHasher(ContentHashAlgorithm.XxHash128, ignored);
        var sha = xx.WithAlgorithm(ContentHashAlgorithm.Sha256);
        Assert.Equal(xxHash128, xx.Compute(bytes).ToHex());
        Assert.Equal(sha256, sha.Compute(bytes).ToHex());
        Assert.Equal(form is not null, xx.TryCompute(bytes, out _));
        var hashed = form ?? bytes;
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(hashed)));
        Assert.Equal(xxHash128, Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash(hashed)));
        return form;
    }

    // The record the hashing benchmark measures (benchmarks/Ingestion.Benchmarks/Hashing/ContentHashingBenchmarks.cs).
    internal static string BuildRecord(int targetBytes)
    {
        var builder = new StringBuilder();
        builder.Append("{\"id\":\"7e3b2c10-4a6f-4d21-9b8e-2f1a0c9d5e44\",\"fetchedAt\":\"2026-06-02T07:00:00Z\",")
            .Append("\"meta\":{\"requestId\":\"r-123\",\"source\":\"api\"},\"status\":\"ORDER_LOCKED\",\"lines\":[");
        var i = 0;
        while (builder.Length < targetBytes - 40)
        {
            builder.Append(i == 0 ? "" : ",")
                .Append(CultureInfo.InvariantCulture, $"{{\"sku\":\"BC{100 + i}\",\"quantity\":{i * 3},\"unitPrice\":{i}.25,")
                .Append(CultureInfo.InvariantCulture, $"\"description\":\"Soil \\\"premium\\\" caf\\u00e9 {i}\",\"active\":true,\"notes\":null}}");
            i++;
        }

        builder.Append("],\"createdDate\":\"2026-06-02T09:14:31\",\"amount\":1234.50}");
        return builder.ToString();
    }
}
